//! The small HTTP/1.1 server side shared by the local Lambda Runtime API ([`crate::harness`])
//! and the local API Gateway front of the fare endpoint ([`crate::fare_front`]): one request
//! at a time per connection, keep-alive, Content-Length or chunked bodies, bounded sizes.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;

const MAX_HEADER_BYTES: usize = 64 * 1024;
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// A parsed HTTP request.
pub(crate) struct Request {
    /// `GET`, `POST`...
    pub method: String,
    /// The request target: path and query string as sent.
    pub path: String,
    /// Header names and values in the order received.
    pub headers: Vec<(String, String)>,
    /// The body (chunked transfer decoded).
    pub body: Vec<u8>,
}

impl Request {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn invalid(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.to_owned())
}

fn read_line_limited(r: &mut impl BufRead, budget: &mut usize) -> io::Result<String> {
    let mut line = Vec::new();
    let n = r
        .by_ref()
        .take(u64::try_from(*budget).unwrap_or(u64::MAX))
        .read_until(b'\n', &mut line)?;
    *budget = budget.saturating_sub(n);
    if !line.ends_with(b"\n") {
        return Err(invalid("header line too long or connection closed"));
    }
    String::from_utf8(line)
        .map(|s| s.trim_end_matches(['\r', '\n']).to_owned())
        .map_err(|_| invalid("non-UTF-8 header"))
}

/// Reads one request; `None` when the peer closed the connection between requests.
pub(crate) fn read_request(r: &mut impl BufRead) -> io::Result<Option<Request>> {
    if r.fill_buf()?.is_empty() {
        return Ok(None); // clean close between requests
    }
    let mut budget = MAX_HEADER_BYTES;
    let request_line = read_line_limited(r, &mut budget)?;
    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(path)) = (parts.next(), parts.next()) else {
        return Err(invalid("bad request line"));
    };
    let (method, path) = (method.to_owned(), path.to_owned());
    let mut headers = Vec::new();
    loop {
        let line = read_line_limited(r, &mut budget)?;
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let mut req = Request {
        method,
        path,
        headers,
        body: Vec::new(),
    };
    let chunked = req
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        loop {
            let size_line = read_line_limited(r, &mut MAX_HEADER_BYTES.clone())?;
            let size_hex = size_line.split(';').next().unwrap_or("").trim();
            let size =
                usize::from_str_radix(size_hex, 16).map_err(|_| invalid("bad chunk size"))?;
            if req.body.len().saturating_add(size) > MAX_BODY_BYTES {
                return Err(invalid("body too large"));
            }
            if size == 0 {
                // Trailers until an empty line.
                while !read_line_limited(r, &mut MAX_HEADER_BYTES.clone())?.is_empty() {}
                break;
            }
            let start = req.body.len();
            req.body.resize(start + size, 0);
            r.read_exact(&mut req.body[start..])?;
            let mut crlf = [0u8; 2];
            r.read_exact(&mut crlf)?;
        }
    } else if let Some(len) = req.header("content-length") {
        let len: usize = len.parse().map_err(|_| invalid("bad content-length"))?;
        if len > MAX_BODY_BYTES {
            return Err(invalid("body too large"));
        }
        req.body.resize(len, 0);
        r.read_exact(&mut req.body)?;
    }
    Ok(Some(req))
}

/// A response to write.
pub(crate) struct Response {
    /// HTTP status code.
    pub status: u16,
    /// Extra headers (Content-Type is JSON, Content-Length is set).
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// A JSON response with only a status and a body.
pub(crate) fn status_response(status: u16, body: &str) -> Response {
    Response {
        status,
        headers: Vec::new(),
        body: body.as_bytes().to_vec(),
    }
}

/// Writes `resp` (HTTP/1.1, keep-alive).
pub(crate) fn write_response(w: &mut impl Write, resp: &Response) -> io::Result<()> {
    let reason = match resp.status {
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    };
    let mut head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        resp.status,
        resp.body.len()
    );
    for (k, v) in &resp.headers {
        head.push_str(k);
        head.push_str(": ");
        head.push_str(v);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(&resp.body);
    w.write_all(&out)?;
    w.flush()
}

/// Answers the requests of one connection with `handle` until the peer closes it, or `handle`
/// returns `None` (the server is shutting down).
pub(crate) fn serve_connection(
    stream: TcpStream,
    mut handle: impl FnMut(&Request) -> Option<Response>,
) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    while let Some(req) = read_request(&mut reader)? {
        let Some(resp) = handle(&req) else {
            return Ok(());
        };
        write_response(&mut writer, &resp)?;
    }
    Ok(())
}
