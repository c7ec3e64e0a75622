package dev.infrakit.ratelimit;

import dev.infrakit.core.http.Problem;

import java.util.List;
import java.util.StringJoiner;

/**
 * The parts of a policy's HTTP rendering that never change, rendered once per policy so a request
 * only splices in its numbers: the whole {@code RateLimit-Policy} value, the {@code "<item>";r=}
 * start of {@code RateLimit} for each limit, and the 429 problem body of each limit cut around
 * its retry seconds.
 *
 * <p>The problem pieces are cut out of bodies {@link Problem#toJson()} renders, not written by
 * hand, so the spliced body is the same text {@code Problem} would write: JSON escaping is per
 * character, so the escaped start of the detail is the start of the escaped detail, and a body
 * whose detail stops before the seconds ends in the detail's closing quote and brace. Immutable.
 */
final class RenderedPolicy {
    private static final String TITLE = "Too Many Requests";

    private final String policyHeader;
    private final String[] rateLimitStarts;
    private final String[] problemHeads;
    private final String[] problemTails;
    private volatile Kept lastProblem;
    private volatile Kept lastExhausted;

    RenderedPolicy(RateLimitPolicy policy) {
        int n = policy.size();
        StringJoiner items = new StringJoiner(", ");
        rateLimitStarts = new String[n];
        problemHeads = new String[n];
        problemTails = new String[n];
        for (int i = 0; i < n; i++) {
            Limit limit = policy.limit(i);
            String item = itemName(policy, i);
            items.add('"' + item + "\";q=" + limit.capacity() + ";w=" + Decision.ceilSeconds(limit.windowNanos()));
            rateLimitStarts[i] = '"' + item + "\";r=";
            // {..."detail":"Rate limit of ... retry in "} without the closing quote and brace.
            String head = Problem.of(429, TITLE, detailBeforeSeconds(policy, i)).toJson();
            problemHeads[i] = head.substring(0, head.length() - 2);
            // ,"violated-policies":["<item>"]} after a detail of its own.
            String withItem = Problem.of(429, TITLE, "").with("violated-policies", List.of(item)).toJson();
            problemTails[i] = withItem.substring(Problem.of(429, TITLE, "").toJson().length() - 1);
        }
        policyHeader = items.toString();
    }

    /** A limit's item name: the policy's name, or {@code "<tier>-<w>s"} in a policy of several limits. */
    static String itemName(RateLimitPolicy policy, int index) {
        return policy.size() == 1 ? policy.name()
                : policy.name() + "-" + Decision.ceilSeconds(policy.limit(index).windowNanos()) + "s";
    }

    /** The problem detail up to the seconds: {@code Rate limit of 10/1s for tier 'api' exceeded; retry in }. */
    static String detailBeforeSeconds(RateLimitPolicy policy, int index) {
        return "Rate limit of " + policy.limit(index) + " for tier '" + policy.name() + "' exceeded; retry in ";
    }

    /** The problem detail after the seconds. */
    static String detailAfterSeconds(long seconds) {
        return seconds == 1 ? " second." : " seconds.";
    }

    String policyHeader() {
        return policyHeader;
    }

    String rateLimit(int index, long remaining, long resetSeconds) {
        if (remaining != 0) {
            return rateLimitStarts[index] + remaining + ";t=" + resetSeconds;
        }
        // An exhausted limit (every refusal) gives the same value for a second at a time: kept.
        Kept last = lastExhausted;
        if (last != null && last.index == index && last.seconds == resetSeconds) {
            return last.text;
        }
        String text = rateLimitStarts[index] + "0;t=" + resetSeconds;
        lastExhausted = new Kept(index, resetSeconds, text);
        return text;
    }

    String problemJson(int index, long seconds) {
        // A flood of refused requests gets the same body for a second at a time: kept, not rebuilt.
        Kept last = lastProblem;
        if (last != null && last.index == index && last.seconds == seconds) {
            return last.text;
        }
        String json = problemHeads[index] + seconds + detailAfterSeconds(seconds) + "\",\"retryAfter\":" + seconds
                + problemTails[index];
        lastProblem = new Kept(index, seconds, json);
        return json;
    }

    /** A text last rendered, with the limit and the seconds it was rendered for. */
    private record Kept(int index, long seconds, String text) {
    }
}
