package dev.opcached.script;

/**
 * The response a script builds. Status 200 and {@code Content-Type: text/html; charset=utf-8}
 * unless set; the body is sent when the script returns.
 */
public interface Response {
    /** Sets the status code (100..599). */
    Response status(int status);

    /** Sets a header, replacing any earlier value of that name. */
    Response header(String name, String value);

    /** Appends text, encoded as UTF-8. */
    Response write(CharSequence text);

    /** Appends bytes. */
    Response write(byte[] bytes);
}
