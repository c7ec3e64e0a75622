package dev.infrakit.core.internal;

import java.util.Locale;
import java.util.Set;

/**
 * Decides whether a configuration key names a secret, so its value is masked in messages and
 * {@code toString()}. A key is secret when one of its words (split at {@code .}, {@code -},
 * {@code _} and camel case) is or ends with password, secret, token, key or a similar word, or
 * starts with private or webhook. Masking
 * a harmless value costs little; printing a password costs a lot, so the rule errs on masking.
 */
public final class SecretKeys {
    private static final Set<String> SECRET_ENDINGS =
            Set.of("password", "passwd", "pwd", "secret", "token", "key", "credential", "credentials", "passphrase");

    /** What is shown instead of a secret value. */
    public static final String MASK = "******";

    private SecretKeys() {
    }

    /** Whether {@code key} looks like it holds a secret. */
    public static boolean isSecret(String key) {
        String spaced = key.replaceAll("([a-z0-9])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT);
        for (String word : spaced.split("[^a-z0-9]+")) {
            // Private keys, and chat webhook URLs, whose path is their secret.
            if (word.startsWith("private") || word.startsWith("webhook")) {
                return true;
            }
            for (String ending : SECRET_ENDINGS) {
                if (word.endsWith(ending)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The value as it may be shown: masked when the key is secret, quoted otherwise. */
    public static String display(String key, String value) {
        return isSecret(key) ? MASK : '"' + value + '"';
    }
}
