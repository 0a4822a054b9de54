package dev.opcached.daemon.config;

import java.net.InetSocketAddress;

/** A listen address, {@code host:port} (IPv6 hosts in brackets). */
public record HostPort(String host, int port) {

    /** Parses {@code host:port}; the message names the directive on failure. */
    public static HostPort parse(String directive, String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException(directive + "=" + text + " is not valid; allowed: host:port");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(directive + "=" + text + " is not valid; allowed: host:port");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(directive + "=" + text + " is out of range; allowed port 0..65535");
        }
        return new HostPort(host, port);
    }

    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
