package io.streamstack.flink.common;

import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * One user record after parsing: either a value or a {@link BadRecord}. A Flink POJO; use {@link
 * #typeInfo(TypeInformation)} for its type.
 */
public class Parsed<T> {
    private T value;
    private BadRecord bad;

    public Parsed() {}

    public static <T> Parsed<T> ok(T value) {
        Parsed<T> p = new Parsed<>();
        p.value = Objects.requireNonNull(value, "value");
        return p;
    }

    public static <T> Parsed<T> bad(BadRecord bad) {
        Parsed<T> p = new Parsed<>();
        p.bad = Objects.requireNonNull(bad, "bad");
        return p;
    }

    /** The POJO type of {@code Parsed<T>} for the given value type. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static <T> TypeInformation<Parsed<T>> typeInfo(TypeInformation<T> valueType) {
        TypeInformation<?> t =
                Types.POJO(
                        (Class) Parsed.class,
                        Map.of("value", valueType, "bad", Types.POJO(BadRecord.class)));
        return (TypeInformation<Parsed<T>>) t;
    }

    public boolean isOk() {
        return bad == null;
    }

    public T getValue() {
        return value;
    }

    public void setValue(T value) {
        this.value = value;
    }

    public BadRecord getBad() {
        return bad;
    }

    public void setBad(BadRecord bad) {
        this.bad = bad;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Parsed)) {
            return false;
        }
        Parsed<?> p = (Parsed<?>) o;
        return Objects.equals(value, p.value) && Objects.equals(bad, p.bad);
    }

    @Override
    public int hashCode() {
        return Objects.hash(value, bad);
    }

    @Override
    public String toString() {
        return isOk() ? "Parsed{" + value + "}" : "Parsed{" + bad + "}";
    }
}
