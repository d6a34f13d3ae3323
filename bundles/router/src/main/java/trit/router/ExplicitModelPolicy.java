package trit.router;

import java.util.List;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import trit.api.chat.ChatRequest;
import trit.api.routing.Candidate;
import trit.api.routing.RoutingPolicy;
import trit.api.routing.Verdict;

/**
 * Explicit choice: a request naming a model id that a provider serves goes only to the providers
 * serving it (an answer from another model would not be what was asked for). Privacy still applies:
 * its restriction intersects with this one.
 */
@Component(service = RoutingPolicy.class, configurationPid = ExplicitModelPolicy.PID,
        property = {RoutingPolicy.POLICY_NAME + "=" + ExplicitModelPolicy.NAME, "service.ranking:Integer=900"})
@Designate(ocd = ExplicitModelPolicy.Config.class)
public class ExplicitModelPolicy implements RoutingPolicy {

    static final String NAME = "explicit";
    static final String PID = "trit.router." + NAME;

    @ObjectClassDefinition(name = "Trit router: explicit model policy",
            description = "Sends a request that names a served model id to the providers serving it.")
    public @interface Config {
        @AttributeDefinition(name = "Ranking", description = "Consultation order among policies, highest first.")
        int service_ranking() default 900;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Verdict evaluate(ChatRequest request, List<Candidate> candidates) {
        String model = request.model();
        if (model.equals(Planner.AUTO)) {
            return Verdict.abstain("model 'auto' names no provider");
        }
        List<String> serving = candidates.stream().filter(c -> c.serves(model)).map(Candidate::provider).toList();
        if (serving.isEmpty()) {
            return Verdict.abstain("model '" + model + "' is served by no provider");
        }
        return Verdict.restrict(serving, "model '" + model + "' was asked for by name; served by " + String.join(", ", serving));
    }
}
