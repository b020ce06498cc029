package io.streamstack.flink.taxi;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An independent SigV4 verifier for tests, written from the published algorithm (not the SDK): it
 * recomputes the signature of a request as a server received it, so a test can tell that what went
 * over the wire is exactly what was signed.
 */
final class SigV4Check {
    static final Pattern AUTHORIZATION =
            Pattern.compile(
                    "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request, "
                            + "SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})");

    private SigV4Check() {}

    /** The parts of an Authorization header, or null when it does not have the SigV4 shape. */
    record Auth(
            String accessKey,
            String date,
            String region,
            String service,
            List<String> signedHeaders,
            String signature) {}

    static Auth parse(String authorization) {
        if (authorization == null) {
            return null;
        }
        Matcher m = AUTHORIZATION.matcher(authorization);
        if (!m.matches()) {
            return null;
        }
        return new Auth(
                m.group(1),
                m.group(2),
                m.group(3),
                m.group(4),
                List.of(m.group(5).split(";")),
                m.group(6));
    }

    /**
     * Whether {@code headers} (lower-case names) carry a valid signature of the request by {@code
     * secretKey}.
     */
    static boolean verify(
            String method,
            String rawPath,
            String rawQuery,
            Map<String, List<String>> headers,
            String secretKey) {
        Auth auth = parse(first(headers, "authorization"));
        if (auth == null) {
            return false;
        }
        String amzDate = first(headers, "x-amz-date");
        if (amzDate == null || !amzDate.startsWith(auth.date())) {
            return false;
        }
        StringBuilder canonicalHeaders = new StringBuilder();
        for (String name : auth.signedHeaders()) {
            List<String> values = headers.get(name);
            if (values == null) {
                return false;
            }
            List<String> trimmed = new ArrayList<>();
            for (String v : values) {
                trimmed.add(v.strip().replaceAll(" +", " "));
            }
            canonicalHeaders
                    .append(name)
                    .append(':')
                    .append(String.join(",", trimmed))
                    .append('\n');
        }
        String payloadHash = first(headers, "x-amz-content-sha256");
        if (payloadHash == null) {
            payloadHash = hex(sha256(new byte[0]));
        }
        String canonicalRequest =
                method
                        + "\n"
                        + canonicalPath(rawPath)
                        + "\n"
                        + canonicalQuery(rawQuery)
                        + "\n"
                        + canonicalHeaders
                        + "\n"
                        + String.join(";", auth.signedHeaders())
                        + "\n"
                        + payloadHash;
        String scope = auth.date() + "/" + auth.region() + "/" + auth.service() + "/aws4_request";
        String stringToSign =
                "AWS4-HMAC-SHA256\n"
                        + amzDate
                        + "\n"
                        + scope
                        + "\n"
                        + hex(sha256(canonicalRequest.getBytes(StandardCharsets.UTF_8)));
        byte[] key = hmac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8), auth.date());
        key = hmac(key, auth.region());
        key = hmac(key, auth.service());
        key = hmac(key, "aws4_request");
        return hex(hmac(key, stringToSign)).equals(auth.signature());
    }

    /** Non-S3 services encode the (already encoded) path once more. */
    static String canonicalPath(String rawPath) {
        if (rawPath == null || rawPath.isEmpty()) {
            return "/";
        }
        return encode(rawPath, false);
    }

    static String canonicalQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        TreeMap<String, List<String>> params = new TreeMap<>();
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            params.computeIfAbsent(encode(name, true), k -> new ArrayList<>())
                    .add(encode(value, true));
        }
        List<String> parts = new ArrayList<>();
        params.forEach((k, vs) -> vs.stream().sorted().forEach(v -> parts.add(k + "=" + v)));
        return String.join("&", parts);
    }

    static String encode(String s, boolean slash) {
        StringBuilder b = new StringBuilder();
        for (byte c : s.getBytes(StandardCharsets.UTF_8)) {
            char ch = (char) (c & 0xff);
            if ((ch >= 'A' && ch <= 'Z')
                    || (ch >= 'a' && ch <= 'z')
                    || (ch >= '0' && ch <= '9')
                    || ch == '-'
                    || ch == '_'
                    || ch == '.'
                    || ch == '~'
                    || (ch == '/' && !slash)) {
                b.append(ch);
            } else {
                b.append('%').append(String.format(Locale.ROOT, "%02X", c & 0xff));
            }
        }
        return b.toString();
    }

    static String decode(String s) {
        byte[] out = new byte[s.length()];
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                out[n++] = (byte) Integer.parseInt(s.substring(i + 1, i + 3), 16);
                i += 2;
            } else {
                out[n++] = (byte) c;
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    static String first(Map<String, List<String>> headers, String name) {
        List<String> v = headers.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
