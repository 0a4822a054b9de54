package dev.opcached.client.cli;

import dev.opcached.client.OpcachedClient;
import dev.opcached.protocol.admin.StatusResponse;

/**
 * One pool's status at one refresh: its figures and the server's JSON of them, or the failure
 * that kept them from us; and its rates since its previous answer ({@link StatusRates#NONE}
 * outside a watch).
 *
 * @param status   the figures; null when the call failed
 * @param json     the server's JSON of them; null when the call failed
 * @param exitCode {@link Opcachectl#OK}, or the failure's exit code
 * @param error    the failure in one line, escaped; null with figures
 */
record PoolStatus(Target target, StatusResponse status, String json, int exitCode, String error, StatusRates rates) {
    /** A pool that failed to answer. */
    static PoolStatus failed(Opcachectl.PoolAnswer<?> answer) {
        return new PoolStatus(answer.target(), null, null, answer.exitCode(), answer.failureText(), StatusRates.NONE);
    }

    /** A pool's answer, with its rates. */
    static PoolStatus answered(Target target, OpcachedClient.Reply<StatusResponse> reply, StatusRates rates) {
        return new PoolStatus(target, reply.value(), reply.json(), Opcachectl.OK, null, rates);
    }
}
