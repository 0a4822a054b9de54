/**
 * opcachectl and the Java client of the admin endpoint. Empty until the admin endpoint exists:
 * see the issue "Authenticated admin endpoint, the opcachectl CLI, and running as a system service".
 */
package dev.opcached.client;
