package io.pxereimage.runtime.pool;

import java.util.Set;
import java.util.function.Predicate;

/**
 * A Jenkins label expression ({@code metal && x86}, {@code linux && !(arm64 || "big disk")}), parsed once and
 * matched against a machine's labels. Operators in Jenkins' precedence, tightest first: {@code !}, {@code &&},
 * {@code ||}, {@code ->}, {@code <->}; parentheses group; a label is a run of characters other than whitespace,
 * operators and parentheses, or a double-quoted string. The empty expression matches every machine, as an
 * unlabelled Jenkins job runs anywhere.
 */
public final class LabelExpression implements Predicate<Set<String>> {
    private final String text;
    private final Predicate<Set<String>> test;

    private LabelExpression(String text, Predicate<Set<String>> test) {
        this.text = text;
        this.test = test;
    }

    /** @throws IllegalArgumentException with the position of the first error */
    public static LabelExpression parse(String text) {
        String t = text == null ? "" : text.strip();
        if (t.isEmpty()) {
            return new LabelExpression("", labels -> true);
        }
        Parser p = new Parser(t);
        Predicate<Set<String>> e = p.iff();
        p.skipSpace();
        if (p.pos < t.length()) {
            throw p.error("unexpected '" + t.charAt(p.pos) + "'");
        }
        return new LabelExpression(t, e);
    }

    @Override
    public boolean test(Set<String> labels) {
        return test.test(labels);
    }

    @Override
    public String toString() {
        return text;
    }

    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        Predicate<Set<String>> iff() {
            Predicate<Set<String>> left = implies();
            while (eat("<->")) {
                Predicate<Set<String>> a = left;
                Predicate<Set<String>> b = implies();
                left = l -> a.test(l) == b.test(l);
            }
            return left;
        }

        Predicate<Set<String>> implies() {
            Predicate<Set<String>> left = or();
            while (eat("->")) {
                Predicate<Set<String>> a = left;
                Predicate<Set<String>> b = or();
                left = l -> !a.test(l) || b.test(l);
            }
            return left;
        }

        Predicate<Set<String>> or() {
            Predicate<Set<String>> left = and();
            while (eat("||")) {
                left = left.or(and());
            }
            return left;
        }

        Predicate<Set<String>> and() {
            Predicate<Set<String>> left = not();
            while (eat("&&")) {
                left = left.and(not());
            }
            return left;
        }

        Predicate<Set<String>> not() {
            if (eat("!")) {
                return not().negate();
            }
            if (eat("(")) {
                Predicate<Set<String>> inner = iff();
                if (!eat(")")) {
                    throw error("missing ')'");
                }
                return inner;
            }
            String label = atom();
            return labels -> labels.contains(label);
        }

        String atom() {
            skipSpace();
            if (pos >= s.length()) {
                throw error("a label is missing at the end");
            }
            if (s.charAt(pos) == '"') {
                int end = s.indexOf('"', pos + 1);
                if (end < 0) {
                    throw error("unterminated quoted label");
                }
                String label = s.substring(pos + 1, end);
                pos = end + 1;
                return label;
            }
            int start = pos;
            while (pos < s.length() && labelChar()) {
                pos++;
            }
            if (start == pos) {
                throw error("a label is missing before '" + s.charAt(pos) + "'");
            }
            return s.substring(start, pos);
        }

        /** Labels may hold '-' and '<' ("x86-64"), just not the operators "->" and "<->". */
        private boolean labelChar() {
            char c = s.charAt(pos);
            return !Character.isWhitespace(c) && "()!&|\"".indexOf(c) < 0 && !s.startsWith("->", pos)
                    && !s.startsWith("<->", pos);
        }

        boolean eat(String token) {
            skipSpace();
            if (s.startsWith(token, pos)) {
                pos += token.length();
                return true;
            }
            return false;
        }

        void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        IllegalArgumentException error(String what) {
            return new IllegalArgumentException("labels: " + what + " at position " + (pos + 1) + " of '" + s + "'");
        }
    }
}
