package trit.tokenizer;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python's {@code str} methods that chat templates call on message contents
 * ({@code content.strip()}, {@code .startswith(...)}, {@code .split(...)}, …), which Jinjava
 * would otherwise look up as Java methods and not find. Resolves method calls on strings only;
 * everything else is left to Jinjava's own resolver.
 */
final class PythonStringMethods extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String s) || method == null) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        Object result = switch (method.toString()) {
            case "startswith" -> args.length == 1 ? anyOf(args[0], s::startsWith) : null;
            case "endswith" -> args.length == 1 ? anyOf(args[0], s::endsWith) : null;
            case "strip" -> strip(s, args, true, true);
            case "lstrip" -> strip(s, args, true, false);
            case "rstrip" -> strip(s, args, false, true);
            case "split" -> split(s, args);
            case "upper" -> args.length == 0 ? s.toUpperCase(java.util.Locale.ROOT) : null;
            case "lower" -> args.length == 0 ? s.toLowerCase(java.util.Locale.ROOT) : null;
            case "replace" -> args.length == 2 ? s.replace(String.valueOf(args[0]), String.valueOf(args[1])) : null;
            case "find" -> args.length == 1 ? (long) s.indexOf(String.valueOf(args[0])) : null;
            case "count" -> args.length == 1 ? count(s, String.valueOf(args[0])) : null;
            case "join" -> args.length == 1 && args[0] instanceof Iterable<?> items ? join(s, items) : null;
            default -> null;
        };
        if (result != null) {
            context.setPropertyResolved(true);
        }
        return result;
    }

    /** {@code startswith(x)} / {@code endswith(x)}: x a string or a tuple (list) of strings. */
    private static Boolean anyOf(Object arg, java.util.function.Predicate<String> test) {
        if (arg instanceof Iterable<?> options) {
            for (Object option : options) {
                if (test.test(String.valueOf(option))) {
                    return true;
                }
            }
            return false;
        }
        return test.test(String.valueOf(arg));
    }

    private static String strip(String s, Object[] args, boolean left, boolean right) {
        if (args.length > 1) {
            return null;
        }
        return PythonText.strip(s, args.length == 1 && args[0] != null ? String.valueOf(args[0]) : null, left, right);
    }

    /** {@code split()} on whitespace runs, {@code split(sep)} on each sep, {@code split(sep, maxsplit)}. */
    private static List<String> split(String s, Object[] args) {
        if (args.length > 2) {
            return null;
        }
        String sep = args.length >= 1 && args[0] != null ? String.valueOf(args[0]) : null;
        int max = args.length == 2 && args[1] instanceof Number n ? n.intValue() : -1;
        List<String> parts = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            while (true) {
                while (i < s.length() && PythonText.isSpace(s.charAt(i))) {
                    i++;
                }
                if (i == s.length()) {
                    return parts;
                }
                if (max >= 0 && parts.size() == max) {
                    parts.add(PythonText.strip(s.substring(i), null, false, true));
                    return parts;
                }
                int start = i;
                while (i < s.length() && !PythonText.isSpace(s.charAt(i))) {
                    i++;
                }
                parts.add(s.substring(start, i));
            }
        }
        if (sep.isEmpty()) {
            return null; // Python: ValueError("empty separator")
        }
        int from = 0;
        for (int at = s.indexOf(sep); at >= 0 && (max < 0 || parts.size() < max); at = s.indexOf(sep, from)) {
            parts.add(s.substring(from, at));
            from = at + sep.length();
        }
        parts.add(s.substring(from));
        return parts;
    }

    private static Long count(String s, String sub) {
        if (sub.isEmpty()) {
            return (long) s.length() + 1;
        }
        long n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    private static String join(String separator, Iterable<?> items) {
        StringBuilder out = new StringBuilder();
        boolean first = true;
        for (Object item : items) {
            if (!first) {
                out.append(separator);
            }
            out.append(item);
            first = false;
        }
        return out.toString();
    }

    // Property access is not this resolver's business: it resolves nothing, so Jinjava's own does.

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return Collections.emptyIterator();
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
