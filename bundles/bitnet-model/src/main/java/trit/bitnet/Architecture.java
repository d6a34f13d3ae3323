package trit.bitnet;

import java.util.Arrays;
import java.util.stream.Collectors;

import trit.gguf.GgufFormatException;

/**
 * The BitNet b1.58 architectures Trit runs, by their {@code general.architecture} name. The FFN
 * activation is not stored in the file: it follows the name.
 */
public enum Architecture {
    /** 1bitLLM bitnet_b1_58-large / -3B: SiLU gated FFN. */
    BITNET("bitnet", Activation.SILU),
    /** microsoft/BitNet-b1.58-2B-4T: squared-ReLU gated FFN, GQA. */
    BITNET_B158("bitnet-b1.58", Activation.RELU_SQUARED),
    /** The name of BitNet-b1.58-2B-4T's first upload. */
    BITNET_25("bitnet-25", Activation.RELU_SQUARED);

    /** The gate's nonlinearity: {@code m = act(gate) ⊙ up}. */
    public enum Activation {
        /** {@code g / (1 + e^-g)}. */
        SILU,
        /** {@code max(g, 0)²}. */
        RELU_SQUARED
    }

    private final String ggufName;
    private final Activation activation;

    Architecture(String ggufName, Activation activation) {
        this.ggufName = ggufName;
        this.activation = activation;
    }

    public String ggufName() {
        return ggufName;
    }

    public Activation activation() {
        return activation;
    }

    /** The architecture named so, or an error listing the supported ones. */
    public static Architecture of(String name) throws GgufFormatException {
        for (Architecture a : values()) {
            if (a.ggufName.equals(name)) {
                return a;
            }
        }
        throw new GgufFormatException("unsupported architecture '" + name + "': Trit runs "
                + Arrays.stream(values()).map(a -> a.ggufName).collect(Collectors.joining(", ")));
    }
}
