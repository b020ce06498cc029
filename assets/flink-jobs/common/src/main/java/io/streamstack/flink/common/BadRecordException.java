package io.streamstack.flink.common;

/** A user record that is not valid input; the reason goes to the errors output. */
public class BadRecordException extends Exception {
    private static final long serialVersionUID = 1L;

    public BadRecordException(String reason) {
        super(reason, null, false, false);
    }

    public String reason() {
        return getMessage();
    }
}
