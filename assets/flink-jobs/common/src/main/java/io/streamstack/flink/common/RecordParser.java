package io.streamstack.flink.common;

import java.io.Serializable;

/** Turns the bytes of one user record into a value, or says why it cannot. */
@FunctionalInterface
public interface RecordParser<T> extends Serializable {
    /**
     * @throws BadRecordException when the bytes are not a valid record; any other exception is
     *     caught by the caller and counted as a bad record too.
     */
    T parse(byte[] data) throws BadRecordException;
}
