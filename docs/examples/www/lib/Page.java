package lib;

/** Shared page parts: another docroot file, loaded through the cache on first use. */
public final class Page {
    private Page() {
    }

    public static String header(String title) {
        return "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>" + title + "</title></head><body>\n<h1>"
                + title + "</h1>\n";
    }

    public static String footer() {
        return "</body></html>\n";
    }
}
