package dev.infrakit.auth;

/**
 * Key ids that come from outside, in a JWKS document or a token header. A key id is only ever a
 * lookup key in a map, never a path, a query or a file name, so any printable text is safe: 1 to
 * {@value #MAX_LENGTH} characters, none of them a control character (NUL, CR, LF, DEL, C1), a
 * format character (bidirectional overrides, zero-width joiners), a line or paragraph separator
 * (U+2028, U+2029), a private-use, unassigned or unpaired surrogate code point. Cognito's key ids,
 * standard base64 with {@code /}, {@code +} and {@code =}, are such text. Our own signing keys keep
 * the narrower {@link VerificationKey#SAFE_KID}.
 */
final class KeyIds {
    /** The longest key id accepted, in characters. */
    static final int MAX_LENGTH = 256;
    private static final int SHOWN = 64;

    private KeyIds() {
    }

    /** Why {@code kid} is not an acceptable key id ("is empty", ...), or {@code null} when it is. */
    static String problem(String kid) {
        if (kid.isEmpty()) {
            return "is empty";
        }
        if (kid.length() > MAX_LENGTH) {
            return "is longer than " + MAX_LENGTH + " characters (" + kid.length() + ")";
        }
        for (int i = 0; i < kid.length();) {
            int cp = kid.codePointAt(i);
            if (!printable(cp)) {
                return "holds a character that is not printable (" + String.format("U+%04X", cp) + " at index " + i + ")";
            }
            i += Character.charCount(cp);
        }
        return null;
    }

    /** Whether {@code kid} is an acceptable key id. */
    static boolean valid(String kid) {
        return kid != null && problem(kid) == null;
    }

    /**
     * {@code kid} as it may appear in a message or a log line: quoted, at most 64 characters,
     * anything outside printable ASCII written as {@code \\u} and four hex digits.
     */
    static String quote(String kid) {
        StringBuilder out = new StringBuilder(Math.min(kid.length(), SHOWN) + 8).append('\'');
        int end = Math.min(kid.length(), SHOWN);
        for (int i = 0; i < end; i++) {
            char c = kid.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
                out.append(c);
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        if (kid.length() > SHOWN) {
            out.append("...");
        }
        return out.append('\'').toString();
    }

    private static boolean printable(int cp) {
        switch (Character.getType(cp)) {
            case Character.CONTROL:
            case Character.FORMAT:
            case Character.LINE_SEPARATOR:
            case Character.PARAGRAPH_SEPARATOR:
            case Character.PRIVATE_USE:
            case Character.SURROGATE:
            case Character.UNASSIGNED:
                return false;
            default:
                return true;
        }
    }
}
