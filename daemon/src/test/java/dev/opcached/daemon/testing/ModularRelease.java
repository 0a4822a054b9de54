package dev.opcached.daemon.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A release whose compiles a fleet test can count from its structure: shared modules
 * {@code lib/Mnn.java}, the upper half of them each using one of the lower half (module k uses
 * module k - modules/2), and pages {@code pages/Pnnn.java}, scripts each using two modules. Every
 * file puts its own version into each answer that uses it, so that an answer says which version
 * of every input it was compiled against. A change compiles again the changed files and every
 * file whose inputs include one ({@link #compiledAgainBy}); a release is immutable, {@link #with}
 * makes the next one.
 */
public final class ModularRelease {
    private final int modules;
    private final int pages;
    /** Each file's version, by its path relative to the docroot. */
    private final Map<String, String> versions;

    /** {@code modules} modules and {@code pages} pages, every file at {@code version}. */
    public ModularRelease(int modules, int pages, String version) {
        if (modules < 2) {
            throw new IllegalArgumentException("each page uses two different modules: at least 2");
        }
        this.modules = modules;
        this.pages = pages;
        this.versions = new TreeMap<>();
        for (int k = 0; k < modules; k++) {
            versions.put(module(k), version);
        }
        for (int p = 0; p < pages; p++) {
            versions.put(page(p), version);
        }
    }

    private ModularRelease(ModularRelease before, Map<String, String> versions) {
        this.modules = before.modules;
        this.pages = before.pages;
        this.versions = versions;
    }

    /** This release with each of {@code changed} (paths of its files) at {@code version}. */
    public ModularRelease with(String version, Collection<String> changed) {
        Map<String, String> next = new TreeMap<>(versions);
        for (String file : changed) {
            if (next.replace(file, version) == null) {
                throw new IllegalArgumentException(file + " is not a file of the release");
            }
        }
        return new ModularRelease(this, next);
    }

    /** Every file, by its path relative to the docroot. */
    public Set<String> files() {
        return versions.keySet();
    }

    /** The pages' paths relative to the docroot ({@code pages/P007.java}). */
    public List<String> pages() {
        List<String> all = new ArrayList<>();
        for (int p = 0; p < pages; p++) {
            all.add(page(p));
        }
        return all;
    }

    /** Writes every file of the release into {@code docroot}. */
    public void write(Path docroot, BackdatedSources sources) throws IOException {
        write(docroot, sources, files());
    }

    /** Writes {@code files} of the release into {@code docroot}, as a deploy copies them over the last one. */
    public void write(Path docroot, BackdatedSources sources, Collection<String> files) throws IOException {
        for (String file : files) {
            sources.write(docroot, file, source(file));
        }
    }

    /** What the page at {@code page} answers in this release. */
    public String answer(String page) {
        int p = number(page);
        return name(page) + ":" + versions.get(page) + " " + moduleAnswer(first(p)) + " " + moduleAnswer(second(p));
    }

    /** The files that use {@code file}, directly or not (its dependents). */
    public Set<String> dependentsOf(String file) {
        Set<String> dependents = new LinkedHashSet<>();
        for (String other : files()) {
            if (inputsOf(other).contains(file)) {
                dependents.add(other);
            }
        }
        return dependents;
    }

    /** What a change of {@code changed} compiles: each of them, and each of their dependents. */
    public Set<String> compiledAgainBy(Collection<String> changed) {
        Set<String> compiled = new LinkedHashSet<>(changed);
        for (String file : changed) {
            compiled.addAll(dependentsOf(file));
        }
        return compiled;
    }

    /** Every file {@code file} uses, directly or not. */
    private Set<String> inputsOf(String file) {
        Set<String> inputs = new LinkedHashSet<>();
        if (file.startsWith("pages/")) {
            int p = number(file);
            for (int k : new int[] {first(p), second(p)}) {
                inputs.add(module(k));
                inputs.addAll(inputsOf(module(k)));
            }
        } else if (used(number(file)) >= 0) {
            inputs.add(module(used(number(file))));
        }
        return inputs;
    }

    private String source(String file) {
        if (file.startsWith("lib/")) {
            int k = number(file);
            return """
                    package lib;

                    /** A shared module of the release. */
                    public final class %1$s {
                        private %1$s() {
                        }

                        public static String v() {
                            return "%1$s:%2$s"%3$s;
                        }
                    }
                    """.formatted(name(file), versions.get(file),
                    used(k) < 0 ? "" : " + \"<\" + " + name(module(used(k))) + ".v() + \">\"");
        }
        int p = number(file);
        return """
                package pages;

                import dev.opcached.script.Request;
                import dev.opcached.script.Response;
                import dev.opcached.script.Script;

                /** A page of the release. */
                public class %1$s implements Script {
                    @Override
                    public void handle(Request request, Response response) {
                        response.header("Content-Type", "text/plain");
                        response.write("%1$s:%2$s " + lib.%3$s.v() + " " + lib.%4$s.v());
                    }
                }
                """.formatted(name(file), versions.get(file), name(module(first(p))), name(module(second(p))));
    }

    private String moduleAnswer(int k) {
        String own = name(module(k)) + ":" + versions.get(module(k));
        return used(k) < 0 ? own : own + "<" + moduleAnswer(used(k)) + ">";
    }

    /** The module module {@code k} uses, or -1. */
    private int used(int k) {
        return k >= modules / 2 ? k - modules / 2 : -1;
    }

    private int first(int p) {
        return p % modules;
    }

    /** Another module than {@link #first}: 1 to modules - 1 on from it. */
    private int second(int p) {
        return (first(p) + 1 + (p / modules) % (modules - 1)) % modules;
    }

    private static String module(int k) {
        return String.format("lib/M%02d.java", k);
    }

    private static String page(int p) {
        return String.format("pages/P%03d.java", p);
    }

    private static String name(String file) {
        return file.substring(file.indexOf('/') + 1, file.length() - ".java".length());
    }

    private static int number(String file) {
        return Integer.parseInt(name(file).substring(1));
    }
}
