package dev.infrakit.core.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Parses configuration strings into typed values. Each parser throws {@link Invalid} with the
 * "expected …" part of the message; {@code Config} adds the key, the value and its origin.
 */
public final class ValueParsers {
    private static final Pattern DURATION_PART =
            Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ns|us|µs|ms|min|s|m|h|d)", Pattern.CASE_INSENSITIVE);
    private static final Map<String, BigInteger> NANOS_PER_UNIT = Map.of(
            "ns", BigInteger.ONE,
            "us", BigInteger.valueOf(1_000L),
            "µs", BigInteger.valueOf(1_000L),
            "ms", BigInteger.valueOf(1_000_000L),
            "s", BigInteger.valueOf(1_000_000_000L),
            "m", BigInteger.valueOf(60_000_000_000L),
            "min", BigInteger.valueOf(60_000_000_000L),
            "h", BigInteger.valueOf(3_600_000_000_000L),
            "d", BigInteger.valueOf(86_400_000_000_000L));
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(i?b?)", Pattern.CASE_INSENSITIVE);

    static final String DURATION_EXPECTED =
            "expected a duration such as 500ms, 30s, 15m, 1h, 2d, 1h30m or ISO-8601 PT15M (units ns, us, ms, s, m, h, d)";
    static final String SIZE_EXPECTED =
            "expected a size such as 512B, 64KB, 100MB, 50MiB or 1GB (KB = KiB = 1024 bytes, as in Logback and the JVM)";

    private ValueParsers() {
    }

    /** A value that does not parse; the message is the "expected …" part. */
    public static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String expected) {
            super(expected, null, false, false);
        }
    }

    public static int parseInt(String value) throws Invalid {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new Invalid("expected an integer between " + Integer.MIN_VALUE + " and " + Integer.MAX_VALUE);
        }
    }

    public static long parseLong(String value) throws Invalid {
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new Invalid("expected an integer between " + Long.MIN_VALUE + " and " + Long.MAX_VALUE);
        }
    }

    public static boolean parseBoolean(String value) throws Invalid {
        switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "true": case "yes": case "on":
                return true;
            case "false": case "no": case "off":
                return false;
            default:
                throw new Invalid("expected true or false (yes/no and on/off are accepted too)");
        }
    }

    /**
     * Parses {@code 500ms}, {@code 15m}, {@code 1h30m}, {@code 1.5s}, {@code 0} or ISO-8601
     * ({@code PT15M}, {@code P1D}). Negative durations are rejected.
     */
    public static Duration parseDuration(String value) throws Invalid {
        String text = value.strip();
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        if (text.regionMatches(true, 0, "P", 0, 1) || text.regionMatches(true, 0, "-P", 0, 2)) {
            Duration parsed;
            try {
                parsed = Duration.parse(text.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new Invalid(DURATION_EXPECTED);
            }
            if (parsed.isNegative()) {
                throw new Invalid("expected a duration that is not negative");
            }
            return parsed;
        }
        if (text.startsWith("-")) {
            throw new Invalid("expected a duration that is not negative");
        }
        Matcher matcher = DURATION_PART.matcher(text);
        BigDecimal nanos = BigDecimal.ZERO;
        int position = 0;
        while (position < text.length()) {
            if (!matcher.find(position) || matcher.start() != position) {
                throw new Invalid(DURATION_EXPECTED);
            }
            BigInteger perUnit = NANOS_PER_UNIT.get(matcher.group(2).toLowerCase(Locale.ROOT));
            nanos = nanos.add(new BigDecimal(matcher.group(1)).multiply(new BigDecimal(perUnit)));
            position = matcher.end();
            while (position < text.length() && text.charAt(position) == ' ') {
                position++;
            }
        }
        if (position == 0) {
            throw new Invalid(DURATION_EXPECTED);
        }
        try {
            BigInteger whole = nanos.toBigIntegerExact();
            BigInteger[] secondsAndNanos = whole.divideAndRemainder(BigInteger.valueOf(1_000_000_000L));
            return Duration.ofSeconds(secondsAndNanos[0].longValueExact(), secondsAndNanos[1].longValue());
        } catch (ArithmeticException e) {
            throw new Invalid(DURATION_EXPECTED + "; a whole number of nanoseconds, at most "
                    + Long.MAX_VALUE + " seconds");
        }
    }

    /** Parses a size in bytes: {@code 512}, {@code 512B}, {@code 64KB}, {@code 100MB}, {@code 50MiB}, {@code 1.5GB}. */
    public static long parseSize(String value) throws Invalid {
        Matcher matcher = SIZE.matcher(value.strip());
        if (!matcher.matches()) {
            throw new Invalid(SIZE_EXPECTED);
        }
        String prefix = matcher.group(2).toLowerCase(Locale.ROOT);
        String suffix = matcher.group(3).toLowerCase(Locale.ROOT);
        // "i" without a prefix ("10iB") or a prefix with a lone "i" ("10Mi") are not sizes.
        if ((prefix.isEmpty() && suffix.startsWith("i")) || suffix.equals("i")) {
            throw new Invalid(SIZE_EXPECTED);
        }
        int power = "bkmgt".indexOf(prefix.isEmpty() ? "b" : prefix);
        BigDecimal bytes = new BigDecimal(matcher.group(1)).multiply(new BigDecimal(BigInteger.valueOf(1024).pow(power)));
        try {
            return bytes.toBigIntegerExact().longValueExact();
        } catch (ArithmeticException e) {
            throw new Invalid(SIZE_EXPECTED + "; a whole number of bytes up to " + Long.MAX_VALUE);
        }
    }

    /**
     * Parses an enum constant, ignoring case and treating {@code -} like {@code _}, so
     * {@code fail-open} selects {@code FAIL_OPEN}.
     */
    public static <E extends Enum<E>> E parseEnum(String value, Class<E> type) throws Invalid {
        String wanted = normalizeEnum(value);
        for (E constant : type.getEnumConstants()) {
            if (normalizeEnum(constant.name()).equals(wanted)) {
                return constant;
            }
        }
        throw new Invalid("expected one of " + Arrays.stream(type.getEnumConstants())
                .map(c -> c.name().toLowerCase(Locale.ROOT).replace('_', '-'))
                .collect(Collectors.joining(", ")));
    }

    private static String normalizeEnum(String value) {
        return value.strip().toUpperCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
    }

    /** Parses a comma-separated list; elements are trimmed, empty elements are an error. */
    public static List<String> parseList(String value) throws Invalid {
        if (value.isBlank()) {
            return List.of();
        }
        List<String> items = new ArrayList<>();
        for (String item : value.split(",", -1)) {
            String trimmed = item.strip();
            if (trimmed.isEmpty()) {
                throw new Invalid("expected a comma-separated list without empty elements");
            }
            items.add(trimmed);
        }
        return List.copyOf(items);
    }
}
