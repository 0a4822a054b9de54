package dev.opcached.daemon.compile;

import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.ImportTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.JavacTask;
import com.sun.source.util.SourcePositions;
import com.sun.source.util.TaskEvent;
import com.sun.source.util.TaskListener;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreeScanner;
import com.sun.source.util.Trees;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.ExecutableType;
import javax.lang.model.type.IntersectionType;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.type.UnionType;
import javax.lang.model.type.WildcardType;
import javax.lang.model.util.Elements;

/**
 * Records, while javac compiles a batch, which docroot sources each source refers to: every
 * element and every type in its attributed trees and imports (identifiers, member selects,
 * supertypes, annotations and their values, type arguments and bounds, {@code var}-inferred and
 * lambda target types, types of expressions no tree names, static imports, thrown and caught
 * types, nested classes of other files, and constants, whose values javac copies into the class
 * file), each mapped to its outermost class and that class's source file.
 *
 * <p>A tree is scanned when javac has analysed its class ({@code ANALYZE} finished: attributed and
 * flow-checked, not yet lowered), which is also when tools such as Error Prone look at it. Which
 * source declares a class is learnt when javac enters the source ({@code ENTER} finished), which
 * happens before any tree that refers to that class is attributed. A class javac read from a
 * served unit ({@link ServedDependencies}) is known by its binary name, so that a dependency is
 * recorded the same whether javac compiled it or read its class files. Other classes from the
 * class path (the JDK, the script API, vendor jars) have no docroot source and are not recorded.
 */
final class DependencyRecorder implements TaskListener {
    private final DocrootSourceFileManager sources;
    private final ServedDependencies served;
    private final Elements elements;
    private final Trees trees;
    private final SourcePositions positions;
    /** The docroot source of each top-level class entered from one. */
    private final Map<Element, Path> sourceOfClass = new HashMap<>();
    /** The served source of each other top-level class met, if it has one. */
    private final Map<Element, Optional<Path>> servedSourceOf = new HashMap<>();
    /** Per source: each docroot source it uses, with the line of its first use. */
    private final Map<Path, Map<Path, Long>> uses = new HashMap<>();
    private final Set<CompilationUnitTree> importsScanned = new HashSet<>();
    private final Set<Path> entered = new HashSet<>();

    DependencyRecorder(JavacTask task, DocrootSourceFileManager sources, ServedDependencies served) {
        this.sources = sources;
        this.served = served;
        this.elements = task.getElements();
        this.trees = Trees.instance(task);
        this.positions = trees.getSourcePositions();
    }

    /** The direct docroot dependencies of {@code source} (itself excluded), each with the line of its first use. */
    Map<Path, Long> usesOf(Path source) {
        return new TreeMap<>(uses.getOrDefault(source, Map.of()));
    }

    /** The docroot sources javac parsed and entered: the roots and those it read from the source path. */
    Set<Path> entered() {
        return Set.copyOf(entered);
    }

    @Override
    public void finished(TaskEvent event) {
        CompilationUnitTree unit = event.getCompilationUnit();
        Path source = unit == null ? null : sources.realPath(unit.getSourceFile());
        if (source == null) {
            return;
        }
        if (event.getKind() == TaskEvent.Kind.ENTER) {
            entered.add(source);
            TreePath top = new TreePath(unit);
            for (Tree declaration : unit.getTypeDecls()) {
                Element declared = trees.getElement(new TreePath(top, declaration));
                if (declared != null) {
                    sourceOfClass.put(declared, source);
                }
            }
        } else if (event.getKind() == TaskEvent.Kind.ANALYZE && event.getTypeElement() != null) {
            Scanner scanner = new Scanner(unit, source);
            if (importsScanned.add(unit)) {
                for (ImportTree importTree : unit.getImports()) {
                    scanner.scan(importTree, null);
                }
            }
            for (Tree declaration : unit.getTypeDecls()) {
                if (event.getTypeElement().equals(trees.getElement(new TreePath(new TreePath(unit), declaration)))) {
                    scanner.scan(declaration, null);
                }
            }
        }
    }

    /** Walks one class's trees, recording the docroot source of every element and type met. */
    private final class Scanner extends TreeScanner<Void, Void> {
        private final CompilationUnitTree unit;
        private final TreePath top;
        private final Path source;
        private final Map<Path, Long> found;

        Scanner(CompilationUnitTree unit, Path source) {
            this.unit = unit;
            this.top = new TreePath(unit);
            this.source = source;
            this.found = uses.computeIfAbsent(source, s -> new HashMap<>());
        }

        @Override
        public Void scan(Tree tree, Void unused) {
            if (tree == null) {
                return null;
            }
            // A path of the node alone under its unit: Trees reads the node's own symbol and type,
            // and a parent chain would only let it attribute a class on demand.
            TreePath path = new TreePath(top, tree);
            Element element = trees.getElement(path);
            if (element != null) {
                element(element, tree);
            }
            TypeMirror type = trees.getTypeMirror(path);
            if (type != null) {
                type(type, tree, 0);
            }
            return super.scan(tree, unused);
        }

        private void element(Element element, Tree at) {
            Element outermost = element;
            while (outermost.getEnclosingElement() != null
                    && outermost.getEnclosingElement().getKind() != ElementKind.PACKAGE) {
                outermost = outermost.getEnclosingElement();
            }
            if (!(outermost instanceof TypeElement type)) {
                return;
            }
            Path dependency = sourceOfClass.get(outermost);
            if (dependency == null) {
                // A class is read from a served unit only once its package was listed, so before
                // it is met here: what this finds for a class holds for the rest of the task.
                dependency = servedSourceOf.computeIfAbsent(type, t -> Optional.ofNullable(
                        served.sourceOfClass(elements.getBinaryName(type).toString()))).orElse(null);
            }
            if (dependency != null && !dependency.equals(source) && !found.containsKey(dependency)) {
                long position = positions.getStartPosition(unit, at);
                found.put(dependency, position < 0 ? 1 : unit.getLineMap().getLineNumber(position));
            }
        }

        /** The classes a type names: itself, its type arguments, bounds, components and alternatives. */
        private void type(TypeMirror type, Tree at, int depth) {
            if (depth > 16) {
                return;
            }
            switch (type.getKind()) {
                case DECLARED -> {
                    DeclaredType declared = (DeclaredType) type;
                    element(declared.asElement(), at);
                    for (TypeMirror argument : declared.getTypeArguments()) {
                        type(argument, at, depth + 1);
                    }
                }
                case ARRAY -> type(((ArrayType) type).getComponentType(), at, depth + 1);
                case WILDCARD -> {
                    WildcardType wildcard = (WildcardType) type;
                    if (wildcard.getExtendsBound() != null) {
                        type(wildcard.getExtendsBound(), at, depth + 1);
                    }
                    if (wildcard.getSuperBound() != null) {
                        type(wildcard.getSuperBound(), at, depth + 1);
                    }
                }
                case INTERSECTION -> ((IntersectionType) type).getBounds().forEach(b -> type(b, at, depth + 1));
                case UNION -> ((UnionType) type).getAlternatives().forEach(a -> type(a, at, depth + 1));
                case EXECUTABLE -> {
                    ExecutableType executable = (ExecutableType) type;
                    type(executable.getReturnType(), at, depth + 1);
                    executable.getParameterTypes().forEach(p -> type(p, at, depth + 1));
                    executable.getThrownTypes().forEach(t -> type(t, at, depth + 1));
                }
                default -> {
                    // Primitives, type variables (their bounds are trees of their own), void, none.
                }
            }
        }
    }
}
