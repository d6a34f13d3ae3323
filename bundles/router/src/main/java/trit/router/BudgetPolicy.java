package trit.router;

import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import trit.api.chat.ChatRequest;
import trit.api.provider.Locality;
import trit.api.routing.Candidate;
import trit.api.routing.RoutingPolicy;
import trit.api.routing.Verdict;

/**
 * Cost: once the day's cloud tokens (UTC day, prompt plus completion as the providers report them)
 * reach the configured budget, requests go to local providers only until midnight UTC.
 */
@Component(service = RoutingPolicy.class, configurationPid = BudgetPolicy.PID,
        property = {RoutingPolicy.POLICY_NAME + "=" + BudgetPolicy.NAME, "service.ranking:Integer=700"})
@Designate(ocd = BudgetPolicy.Config.class)
public class BudgetPolicy implements RoutingPolicy {

    static final String NAME = "budget";
    static final String PID = "trit.router." + NAME;

    @ObjectClassDefinition(name = "Trit router: cloud budget policy",
            description = "Routes local once the day's cloud token budget is spent.")
    public @interface Config {
        @AttributeDefinition(name = "Daily cloud tokens",
                description = "Tokens (prompt + completion) cloud providers may use per UTC day; 0 means no limit.",
                min = "0")
        long daily_cloud_tokens() default 0;

        @AttributeDefinition(name = "Ranking", description = "Consultation order among policies, highest first.")
        int service_ranking() default 700;
    }

    @Reference
    CloudSpend spend;

    private volatile long dailyTokens;

    public BudgetPolicy() {
    }

    BudgetPolicy(CloudSpend spend, long dailyTokens) {
        this.spend = spend;
        this.dailyTokens = checked(dailyTokens);
    }

    @Activate
    @Modified
    void configure(Config config) {
        dailyTokens = checked(config.daily_cloud_tokens());
    }

    private static long checked(long tokens) {
        if (tokens < 0) {
            throw new IllegalArgumentException(PID + " daily.cloud.tokens must be >= 0, was " + tokens);
        }
        return tokens;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Verdict evaluate(ChatRequest request, List<Candidate> candidates) {
        long budget = dailyTokens;
        if (budget == 0) {
            return Verdict.abstain("no cloud budget configured");
        }
        long spent = spend.spentToday();
        Map<String, Double> scores = Map.of("budget.spent", (double) spent, "budget.daily", (double) budget);
        if (spent < budget) {
            return new Verdict(Verdict.Type.ABSTAIN, List.of(), "cloud budget left: " + (budget - spent) + " tokens", scores);
        }
        return new Verdict(Verdict.Type.RESTRICT,
                candidates.stream().filter(c -> c.locality() == Locality.LOCAL).map(Candidate::provider).toList(),
                "today's cloud budget is spent (" + spent + " of " + budget + " tokens)", scores);
    }
}
