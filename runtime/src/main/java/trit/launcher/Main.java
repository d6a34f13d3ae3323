package trit.launcher;

import java.util.Arrays;

/**
 * The {@code runtime/trit} launcher: {@code trit [serve] [options]} starts the server; later
 * subcommands ({@code eval}, {@code perplexity}, {@code bench}, {@code tokenize}, {@code route}) run tools
 * without starting it.
 */
public final class Main {

    static final String USAGE = """
            Usage: runtime/trit [serve] [--host HOST] [--port PORT] [--config DIR] [--models DIR] [--shell]
                   runtime/trit eval --model FILE (--prompt TEXT | --tokens 1,450,...) [--n-predict N] [--top-logits K] [--json]
                   runtime/trit perplexity --model FILE --file TEXT [--ctx N] [--chunks N]
                   runtime/trit tokenize --vocab FILE [--special] [--add-bos|--no-bos] (--text TEXT | --file F | --jsonl) [--json]
                   runtime/trit bench --model FILE [--threads 1,2] [--pp 128,512] [--tg 64] [--reps 3] [--no-native] [--json]
                   runtime/trit bench --make-model large|b2|demo --out FILE [--seed N]
                   runtime/trit route --text TEXT [--private] [--model ID] [--max-tokens N] [--url URL] [--json]
                   runtime/trit java-home      print the JDK 25 the launcher uses
                   runtime/trit help

            serve (the default) starts the Trit server and prints its base URL when it answers.
              --host HOST    address to listen on (default 127.0.0.1, or $TRIT_HOST)
              --port PORT    port to listen on (default 8080, or $TRIT_PORT)
              --config DIR   folder of .cfg configuration files (default runtime/etc; etc/ in the distribution)
              --models DIR   folder watched for GGUF models (default models/); while it holds none,
                             a synthetic demo model "trit-demo" answers (noise: install a real model)
              --shell        the Apache Felix Gogo shell on the console once the server answers:
                             trit:providers, trit:models, trit:kernels, trit:route TEXT,
                             trit:generate MODEL TEXT, trit:stats (exit or Ctrl-D stops the server)
            Stop it with Ctrl-C.

            eval evaluates a GGUF model token by token (bitnet.cpp's seq numerics), greedy, and prints
            the top-K logits at every prompt position and generation step, then the generated ids.

            route asks a running server (--url, default http://127.0.0.1:8080, or $TRIT_URL) where
            the router would send TEXT, without generating anything (POST /v1/route), and prints the
            decision: model, provider, deciding policy, reason, scores and fallbacks. --private adds
            privacy=local_only; --max-tokens N the answer's room the router counts in the context
            (default: trit.router.context-length's default.max.tokens). The API key, if the server
            needs one, comes from $TRIT_API_KEY.
            """;

    private Main() {
    }

    /** The usage text, with the command as the user typed it: runtime/trit, or the distribution's bin/trit. */
    static String usage() {
        return USAGE.replace("runtime/trit ", System.getProperty("trit.command", "runtime/trit") + " ");
    }

    public static void main(String[] args) {
        String command = args.length == 0 || args[0].startsWith("-") ? "serve" : args[0];
        String[] rest = args.length == 0 || args[0].startsWith("-") ? args : Arrays.copyOfRange(args, 1, args.length);
        // trit --help, trit -h, trit CMD --help: the usage, whatever the command (an option's
        // value never comes first, so "--help" there is never a value).
        if (rest.length > 0 && (rest[0].equals("--help") || rest[0].equals("-h"))) {
            command = "help";
        }
        // --verbose (a stack trace with an error) belongs to the launcher, not to any one tool.
        boolean verbose = !command.equals("serve") && Arrays.asList(rest).contains("--verbose");
        String[] toolArgs = Arrays.stream(rest).filter(a -> !a.equals("--verbose")).toArray(String[]::new);
        int status;
        try {
            status = switch (command) {
                case "serve" -> new ServeCommand(ServeOptions.parse(rest, System.getenv())).run();
                case "perplexity" -> new PerplexityCommand(PerplexityCommand.Options.parse(toolArgs), System.out).run();
                case "tokenize" -> new TokenizeCommand(TokenizeCommand.Options.parse(toolArgs), System.in, System.out).run();
                case "eval" -> new EvalCommand(EvalCommand.Options.parse(toolArgs), System.out).run();
                case "bench" -> new BenchCommand(BenchCommand.Options.parse(toolArgs), System.out).run();
                case "route" -> new RouteCommand(RouteCommand.Options.parse(toolArgs, System.getenv()), System.out).run();
                case "help", "--help", "-h" -> {
                    System.out.print(usage());
                    yield 0;
                }
                default -> throw new UsageException("unknown command '" + command + "'");
            };
        } catch (UsageException e) {
            // One line: the usage is a "help" away, and would bury the message.
            System.err.println("trit: " + e.getMessage() + " (" + System.getProperty("trit.command", "runtime/trit")
                    + " help lists the options)");
            status = 2;
        } catch (LaunchException e) {
            System.err.println("trit: " + e.getMessage());
            if (verbose && e.getCause() != null) {
                e.getCause().printStackTrace();
            }
            status = 1;
        }
        System.exit(status);
    }

    /** Bad command-line input: the message says which argument and why. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /** The server could not start; the message says why and what to do. */
    static final class LaunchException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LaunchException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
