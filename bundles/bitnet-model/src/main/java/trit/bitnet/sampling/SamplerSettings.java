package trit.bitnet.sampling;

import java.util.concurrent.ThreadLocalRandom;

import trit.api.chat.SamplingParameters;

/**
 * Every sampling parameter resolved to a value: the request's where it gave one, the provider's
 * configured default otherwise.
 *
 * @param temperature   0 means greedy
 * @param topK          0 disables
 * @param topP          1 disables
 * @param minP          0 disables
 * @param repetition    1 disables
 * @param frequency     0 disables
 * @param presence      0 disables
 * @param penaltyWindow how many recent tokens the penalties look at
 * @param seed          the random stream's seed
 */
public record SamplerSettings(double temperature, int topK, double topP, double minP, double repetition,
                              double frequency, double presence, int penaltyWindow, long seed) {

    /** The request's parameters over these defaults; a request without a seed gets a random one. */
    public SamplerSettings with(SamplingParameters request) {
        return new SamplerSettings(
                request.temperature() != null ? request.temperature() : temperature,
                request.topK() != null ? request.topK() : topK,
                request.topP() != null ? request.topP() : topP,
                request.minP() != null ? request.minP() : minP,
                request.repetitionPenalty() != null ? request.repetitionPenalty() : repetition,
                request.frequencyPenalty() != null ? request.frequencyPenalty() : frequency,
                request.presencePenalty() != null ? request.presencePenalty() : presence,
                penaltyWindow,
                request.seed() != null ? request.seed() : ThreadLocalRandom.current().nextLong());
    }
}
