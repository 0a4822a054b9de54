package dev.opcached.daemon.supervisor;

import dev.opcached.daemon.config.Directives;
import dev.opcached.protocol.segment.SegmentFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The user and group workers run as (PHP-FPM's {@code user} and {@code group}): when the
 * supervisor runs as root with {@code user} set, workers are started through util-linux's
 * {@code setpriv} as that user, so that a script can read neither the admin token nor the key
 * files the pool makes (root's, 0600); the segment file stays root's, readable by the workers'
 * group. Empty: workers run as the supervisor's user.
 */
final class WorkerUser {
    private static final WorkerUser SAME = new WorkerUser("", "", null);

    private final String user;
    private final String group;
    private final GroupPrincipal groupPrincipal;

    private WorkerUser(String user, String group, GroupPrincipal groupPrincipal) {
        this.user = user;
        this.group = group;
        this.groupPrincipal = groupPrincipal;
    }

    /**
     * The workers' user from the {@code user} and {@code group} directives.
     *
     * @throws IllegalArgumentException for {@code user} when not root, an unknown user or group, or
     *                                  {@code group} without {@code user}
     */
    static WorkerUser of(Directives config) throws IOException, InterruptedException {
        String user = config.string(Directives.USER).strip();
        String group = config.string(Directives.GROUP).strip();
        if (user.isEmpty()) {
            if (!group.isEmpty()) {
                throw new IllegalArgumentException(Directives.GROUP + "=" + group + " needs " + Directives.USER
                        + ": set the user workers run as too");
            }
            return SAME;
        }
        Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        if (!Integer.valueOf(0).equals(uid)) {
            throw new IllegalArgumentException(Directives.USER + "=" + user + " needs the supervisor to run as root"
                    + " (it runs as uid " + uid + "): start opcached as root, or remove " + Directives.USER
                    + " and " + Directives.GROUP + " to run workers as this user");
        }
        UserPrincipalLookupService lookup = Path.of("/").getFileSystem().getUserPrincipalLookupService();
        try {
            lookup.lookupPrincipalByName(user);
        } catch (IOException e) {
            throw new IllegalArgumentException(Directives.USER + "=" + user + " is not a user of this system");
        }
        requireSetpriv(user);
        String effectiveGroup = group.isEmpty() ? primaryGroup(user) : group;
        GroupPrincipal groupPrincipal;
        try {
            groupPrincipal = lookup.lookupPrincipalByGroupName(effectiveGroup);
        } catch (IOException e) {
            throw new IllegalArgumentException(Directives.GROUP + "=" + effectiveGroup + " is not a group of this system");
        }
        return new WorkerUser(user, effectiveGroup, groupPrincipal);
    }

    private static void requireSetpriv(String user) throws InterruptedException {
        try {
            Process version = new ProcessBuilder("setpriv", "--version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (version.waitFor(10, TimeUnit.SECONDS) && version.exitValue() == 0) {
                return;
            }
        } catch (IOException missing) {
            // reported below
        }
        throw new IllegalArgumentException(Directives.USER + "=" + user + " starts workers through setpriv, which is"
                + " not on the PATH: install util-linux");
    }

    private static String primaryGroup(String user) throws IOException, InterruptedException {
        Process id = new ProcessBuilder("id", "-gn", user).redirectErrorStream(true).start();
        String out = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!id.waitFor(10, TimeUnit.SECONDS) || id.exitValue() != 0) {
            throw new IllegalArgumentException(Directives.USER + "=" + user + ": cannot find its group (" + out
                    + "); set " + Directives.GROUP);
        }
        return out;
    }

    /** Whether workers run as another user. */
    boolean switches() {
        return !user.isEmpty();
    }

    /** What goes before the worker's java command: nothing, or setpriv to that user and group. */
    List<String> commandPrefix() {
        if (!switches()) {
            return List.of();
        }
        return List.of("setpriv", "--reuid=" + user, "--regid=" + group, "--init-groups", "--");
    }

    /**
     * Opens a new segment to the workers, when they run as another user. Both files stay the
     * supervisor's, so that no worker can change their modes: the segment file becomes readable by
     * the workers' group only (rw-r-----: they map it read-only and cannot write an entry), its
     * activity file, the one file workers write, readable and writable by that group (rw-rw----).
     */
    void handOver(Path segment) throws IOException {
        if (!switches()) {
            return;
        }
        Files.getFileAttributeView(segment, PosixFileAttributeView.class).setGroup(groupPrincipal);
        Files.setPosixFilePermissions(segment, PosixFilePermissions.fromString("rw-r-----"));
        Path activity = SegmentFiles.activityPath(segment);
        Files.getFileAttributeView(activity, PosixFileAttributeView.class).setGroup(groupPrincipal);
        Files.setPosixFilePermissions(activity, PosixFilePermissions.fromString("rw-rw----"));
    }

    /**
     * Lets the workers' group, and only it, pass through {@code directory} (rwx--x---), when
     * workers run as another user; else it stays as it is.
     */
    void openToWorkersGroup(Path directory) throws IOException {
        if (!switches()) {
            return;
        }
        Files.getFileAttributeView(directory, PosixFileAttributeView.class).setGroup(groupPrincipal);
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx--x---"));
    }

    @Override
    public String toString() {
        return switches() ? user + ":" + group : "the supervisor's user";
    }
}
