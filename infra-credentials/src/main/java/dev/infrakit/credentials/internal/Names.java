package dev.infrakit.credentials.internal;

/** Validation of credential names and prefixes, with errors that say what is wrong. */
public final class Names {
    /** The longest name allowed. */
    public static final int MAX_LENGTH = 256;

    private Names() {
    }

    /**
     * Returns {@code name} if it is valid.
     *
     * @throws IllegalArgumentException naming the problem
     */
    public static String requireValid(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("A credential name must not be empty");
        }
        checkCharacters(name, "credential name");
        if (name.startsWith("/") || name.endsWith("/")) {
            throw new IllegalArgumentException("Invalid credential name '" + name + "': it must not start or end with '/'");
        }
        for (String segment : name.split("/", -1)) {
            if (segment.isEmpty()) {
                throw new IllegalArgumentException("Invalid credential name '" + name + "': empty path segment ('//')");
            }
            if (segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("Invalid credential name '" + name + "': '" + segment
                        + "' is not allowed as a path segment");
            }
        }
        return name;
    }

    /** Returns {@code prefix} ("" for all) if it only has characters a name may have. */
    public static String requireValidPrefix(String prefix) {
        if (prefix == null) {
            throw new IllegalArgumentException("A prefix must not be null (use \"\" for all credentials)");
        }
        if (!prefix.isEmpty()) {
            checkCharacters(prefix, "prefix");
        }
        return prefix;
    }

    private static void checkCharacters(String name, String what) {
        if (name.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("Invalid " + what + " '" + name.substring(0, 40) + "…': "
                    + name.length() + " characters, at most " + MAX_LENGTH + " allowed");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
                    || c == '_' || c == '-' || c == '/';
            if (!ok) {
                String shown = Character.isISOControl(c) || Character.isWhitespace(c)
                        ? String.format("U+%04X", (int) c) : "'" + c + "'";
                throw new IllegalArgumentException("Invalid " + what + " '" + printable(name) + "': character "
                        + shown + " at position " + (i + 1) + "; only letters, digits and . _ - / are allowed");
            }
        }
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            b.append(Character.isISOControl(c) ? '?' : c);
        }
        return b.toString();
    }
}
