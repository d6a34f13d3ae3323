package trit.kimi;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import trit.api.chat.SamplingParameters;

/**
 * Sampling parameters some models accept at one value only (Kimi's thinking models answer
 * "invalid temperature: only 1 is allowed for this model" to anything else). Kept as data from
 * the configuration ({@code model.constraints}), so a new model's quirk is a configuration
 * line, not a code path.
 */
record ModelConstraints(Map<String, Map<String, Double>> fixedByModel) {

    static final Set<String> PARAMETERS = Set.of("temperature", "top_p", "presence_penalty", "frequency_penalty");

    static final ModelConstraints NONE = new ModelConstraints(Map.of());

    /** A request's sampling after the constraints: parameters the model would refuse left out. */
    record Adapted(SamplingParameters sampling, List<String> omitted) {
    }

    /**
     * Parses entries {@code "MODEL_ID PARAM=VALUE [PARAM=VALUE ...]"}.
     *
     * @throws IllegalArgumentException naming the entry and what is wrong with it
     */
    static ModelConstraints parse(String[] entries) {
        if (entries == null) {
            return NONE;
        }
        Map<String, Map<String, Double>> result = new LinkedHashMap<>();
        for (String entry : entries) {
            if (entry == null || entry.isBlank()) {
                continue;
            }
            String[] parts = entry.strip().split("\\s+");
            if (parts.length < 2) {
                throw bad(entry, "expected 'MODEL_ID PARAM=VALUE ...'");
            }
            Map<String, Double> fixed = new LinkedHashMap<>();
            for (int i = 1; i < parts.length; i++) {
                int eq = parts[i].indexOf('=');
                String parameter = eq < 0 ? parts[i] : parts[i].substring(0, eq);
                if (eq < 0 || !PARAMETERS.contains(parameter)) {
                    throw bad(entry, "'" + parts[i] + "' is not PARAM=VALUE with PARAM one of "
                            + String.join(", ", PARAMETERS.stream().sorted().toList()));
                }
                try {
                    fixed.put(parameter, Double.parseDouble(parts[i].substring(eq + 1)));
                } catch (NumberFormatException e) {
                    throw bad(entry, "'" + parts[i].substring(eq + 1) + "' is not a number");
                }
            }
            if (result.put(parts[0], Map.copyOf(fixed)) != null) {
                throw bad(entry, "model " + parts[0] + " is listed twice");
            }
        }
        return new ModelConstraints(Map.copyOf(result));
    }

    /**
     * Applies the constraints of {@code model} to a request's sampling parameters.
     *
     * @param adapt true: leave out mismatched parameters (the model then uses its fixed value);
     *              false: refuse them
     * @throws IllegalArgumentException (when not adapting) naming the parameter, its allowed value and the requested one
     */
    Adapted apply(String model, SamplingParameters sampling, boolean adapt) {
        Map<String, Double> fixed = fixedByModel.getOrDefault(model, Map.of());
        Double temperature = check(model, "temperature", sampling.temperature(), fixed, adapt);
        Double topP = check(model, "top_p", sampling.topP(), fixed, adapt);
        Double presence = check(model, "presence_penalty", sampling.presencePenalty(), fixed, adapt);
        Double frequency = check(model, "frequency_penalty", sampling.frequencyPenalty(), fixed, adapt);
        List<String> omitted = new java.util.ArrayList<>();
        addIfDropped(omitted, "temperature", sampling.temperature(), temperature);
        addIfDropped(omitted, "top_p", sampling.topP(), topP);
        addIfDropped(omitted, "presence_penalty", sampling.presencePenalty(), presence);
        addIfDropped(omitted, "frequency_penalty", sampling.frequencyPenalty(), frequency);
        if (omitted.isEmpty()) {
            return new Adapted(sampling, List.of());
        }
        return new Adapted(new SamplingParameters(temperature, topP, sampling.topK(), sampling.minP(),
                presence, frequency, sampling.repetitionPenalty(), sampling.seed()), List.copyOf(omitted));
    }

    private static Double check(String model, String parameter, Double requested, Map<String, Double> fixed, boolean adapt) {
        Double allowed = fixed.get(parameter);
        if (requested == null || allowed == null || Double.compare(requested, allowed) == 0) {
            return requested;
        }
        if (adapt) {
            return null;
        }
        throw new IllegalArgumentException("model " + model + " accepts only " + parameter + " = "
                + format(allowed) + "; the request asked for " + format(requested)
                + " (leave " + parameter + " out or set it to " + format(allowed) + ")");
    }

    private static void addIfDropped(List<String> omitted, String parameter, Double before, Double after) {
        if (before != null && after == null) {
            omitted.add(parameter);
        }
    }

    private static String format(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    private static IllegalArgumentException bad(String entry, String why) {
        return new IllegalArgumentException("model.constraints entry '" + entry + "': " + why);
    }
}
