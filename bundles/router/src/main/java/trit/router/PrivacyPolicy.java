package trit.router;

import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import trit.api.chat.ChatMessage;
import trit.api.chat.ChatRequest;
import trit.api.routing.Candidate;
import trit.api.routing.RoutingPolicy;
import trit.api.routing.Verdict;
import trit.api.provider.Locality;

/**
 * Privacy: a request marked {@code privacy=local_only}, or whose text matches a configured
 * pattern, may only reach local providers.
 *
 * <p>The router enforces the marker (and its offline switch) itself as well, before any policy and
 * again before each call, so removing or breaking this service never weakens the guarantee; this
 * policy adds the content patterns and names the restriction in the route.
 */
@Component(service = RoutingPolicy.class, configurationPid = PrivacyPolicy.PID,
        property = {RoutingPolicy.POLICY_NAME + "=" + PrivacyPolicy.NAME, "service.ranking:Integer=1000"})
@Designate(ocd = PrivacyPolicy.Config.class)
public class PrivacyPolicy implements RoutingPolicy {

    static final String NAME = "privacy";
    static final String PID = "trit.router." + NAME;

    @ObjectClassDefinition(name = "Trit router: privacy policy",
            description = "Keeps private requests on local providers. A hard restriction: no fallback overrides it.")
    public @interface Config {
        @AttributeDefinition(name = "Private patterns",
                description = "Regular expressions (Java syntax, searched case-insensitively in every message); a "
                        + "request whose text matches one is treated as private, e.g. \\b\\d{3}-\\d{2}-\\d{4}\\b.")
        String[] private_patterns() default {};

        @AttributeDefinition(name = "Ranking", description = "Consultation order among policies, highest first.")
        int service_ranking() default 1000;
    }

    private static final Logger LOG = LoggerFactory.getLogger(PrivacyPolicy.class);

    private volatile List<Pattern> patterns = List.of();
    private volatile String invalid = "";

    public PrivacyPolicy() {
    }

    PrivacyPolicy(String... patterns) {
        this.patterns = compile(PID + " private.patterns", patterns);
    }

    /**
     * An invalid pattern keeps every request local until it is fixed (fail closed): the operator
     * meant some requests to be private, and which ones cannot be known.
     */
    @Activate
    @Modified
    void configure(Config config) {
        try {
            patterns = compile(PID + " private.patterns", config.private_patterns());
            invalid = "";
        } catch (IllegalArgumentException e) {
            invalid = e.getMessage();
            LOG.error("Invalid privacy configuration; every request stays local until it is fixed: {}", invalid);
        }
    }

    /** Compiles configured patterns; {@code key} names the setting in the error. */
    static List<Pattern> compile(String key, String[] patterns) {
        return java.util.Arrays.stream(patterns == null ? new String[0] : patterns).filter(p -> !p.isBlank()).map(p -> {
            try {
                return Pattern.compile(p, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(key + ": '" + p + "' is not a regular expression: "
                        + e.getDescription(), e);
            }
        }).toList();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Verdict evaluate(ChatRequest request, List<Candidate> candidates) {
        String why;
        if (!invalid.isEmpty()) {
            why = "the privacy configuration is invalid, every request stays local: " + invalid;
        } else if (RequestMarks.isPrivate(request)) {
            why = "the request is private (privacy=local_only)";
        } else {
            Pattern matched = firstMatch(request);
            if (matched == null) {
                return Verdict.abstain("not private");
            }
            why = "the request matches private pattern '" + matched.pattern() + "'";
        }
        return Verdict.restrict(candidates.stream().filter(c -> c.locality() == Locality.LOCAL).map(Candidate::provider).toList(),
                why);
    }

    private Pattern firstMatch(ChatRequest request) {
        for (Pattern pattern : patterns) {
            for (ChatMessage message : request.messages()) {
                if (message.content() != null && pattern.matcher(message.content()).find()) {
                    return pattern;
                }
            }
        }
        return null;
    }
}
