package trit.api.tokenizer;

/**
 * The control tokens of a vocabulary; -1 where the vocabulary has none.
 *
 * @param bos       beginning of sequence
 * @param eos       end of sequence
 * @param eot       end of turn (e.g. LLaMA-3's {@code <|eot_id|>}); generation stops on it too
 * @param pad       padding
 * @param addBos    whether encoding a prompt prepends {@code bos} by default
 * @param addEos    whether encoding appends {@code eos} by default
 */
public record SpecialTokens(int bos, int eos, int eot, int pad, boolean addBos, boolean addEos) {

    /** Whether generating {@code token} ends the answer. */
    public boolean isEndOfGeneration(int token) {
        return token >= 0 && (token == eos || token == eot);
    }
}
