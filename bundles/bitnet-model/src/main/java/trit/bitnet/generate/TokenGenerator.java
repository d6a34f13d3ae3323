package trit.bitnet.generate;

import java.util.Arrays;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import trit.api.chat.FinishReason;
import trit.api.tokenizer.SpecialTokens;
import trit.api.tokenizer.StreamingDecoder;
import trit.api.tokenizer.Tokenizer;
import trit.bitnet.ForwardPass;
import trit.bitnet.Session;
import trit.bitnet.sampling.Sampler;

/**
 * The generation loop: evaluate the prompt, then sample, decode and show one token at a time
 * until an end-of-generation token, a stop string, {@code maxTokens} or a cancel. Text reaches
 * the caller as soon as it is complete UTF-8 and cannot be the start of a stop string.
 */
public final class TokenGenerator {

    /**
     * How a generation ended.
     *
     * @param finishReason     why it ended
     * @param promptTokens     tokens of the prompt
     * @param completionTokens tokens generated (an end-of-generation token counts; it shows no text)
     * @param text             everything shown, in order
     */
    public record Outcome(FinishReason finishReason, int promptTokens, int completionTokens, String text) {
    }

    private final ForwardPass forward;
    private final Tokenizer tokenizer;

    public TokenGenerator(ForwardPass forward, Tokenizer tokenizer) {
        this.forward = forward;
        this.tokenizer = tokenizer;
    }

    /**
     * Generates into {@code session} (reset first).
     *
     * @param maxTokens at most this many tokens; prompt plus this must fit the session
     * @param cancelled checked before every token, the prompt's included
     * @param out       receives each piece of text that can be shown
     * @throws IllegalArgumentException when the prompt and {@code maxTokens} do not fit the session's context
     */
    public Outcome generate(Session session, int[] prompt, Sampler sampler, StopStrings stops, int maxTokens,
                            BooleanSupplier cancelled, Consumer<String> out) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens");
        }
        if ((long) prompt.length + maxTokens > session.contextLength()) {
            throw new IllegalArgumentException("the prompt's " + prompt.length + " tokens plus max_tokens " + maxTokens
                    + " exceed the context of " + session.contextLength() + " tokens");
        }
        session.reset();
        StringBuilder shown = new StringBuilder();
        float[] logits = null;
        for (int token : prompt) {
            sampler.accept(token);
        }
        // The prompt in batches (one pass over the weights per batch), the cancel checked between them.
        for (int from = 0; from < prompt.length; from += Session.PREFILL_BATCH) {
            if (cancelled.getAsBoolean()) {
                return new Outcome(FinishReason.CANCELLED, prompt.length, 0, "");
            }
            logits = forward.prefill(session, Arrays.copyOfRange(prompt, from, Math.min(prompt.length, from + Session.PREFILL_BATCH)));
        }
        SpecialTokens special = tokenizer.specialTokens();
        StreamingDecoder decoder = tokenizer.newStreamingDecoder();
        int generated = 0;
        FinishReason reason = FinishReason.LENGTH;
        while (generated < maxTokens) {
            if (cancelled.getAsBoolean()) {
                reason = FinishReason.CANCELLED;
                break;
            }
            int token = sampler.sample(logits);
            sampler.accept(token);
            generated++;
            if (special.isEndOfGeneration(token)) {
                reason = FinishReason.STOP;
                break;
            }
            String visible = stops.push(decoder.next(token));
            emit(visible, shown, out);
            if (stops.stopped()) {
                return new Outcome(FinishReason.STOP, prompt.length, generated, shown.toString());
            }
            if (generated < maxTokens) {
                logits = forward.step(session, token);
            }
        }
        if (reason == FinishReason.CANCELLED) {
            return new Outcome(reason, prompt.length, generated, shown.toString());
        }
        // Held-back text that completed no stop string is part of the answer after all.
        String tail = decoder.flush();
        String visible = tail.isEmpty() ? "" : stops.push(tail);
        emit(visible, shown, out);
        if (stops.stopped()) {
            return new Outcome(FinishReason.STOP, prompt.length, generated, shown.toString());
        }
        emit(stops.flush(), shown, out);
        return new Outcome(reason, prompt.length, generated, shown.toString());
    }

    private static void emit(String text, StringBuilder shown, Consumer<String> out) {
        if (!text.isEmpty()) {
            shown.append(text);
            out.accept(text);
        }
    }
}
