package trit.router;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import trit.api.chat.ChatDelta;
import trit.api.chat.ChatMessage;
import trit.api.chat.ChatRequest;
import trit.api.chat.ChatResponse;
import trit.api.chat.Usage;
import trit.api.provider.ChatStreamListener;
import trit.api.provider.Generation;
import trit.api.provider.ProviderException;
import trit.api.routing.Route;

/**
 * A critical request answered by several providers in parallel, their answers compared.
 *
 * <p>Short answers are compared by normalised exact match (case, accents' composition, punctuation
 * and spacing ignored); longer ones by the configured judge provider, which must itself be eligible
 * for the request (a private request is never shown to a cloud judge). The majority answer is
 * returned when there is one; otherwise the first provider's answer, marked as disagreed. Either
 * way the route's reason and the response's {@code consensus} extension say what happened.
 */
final class ConsensusRun implements Generation {

    /** The response extension holding the comparison. */
    static final String EXTENSION = "consensus";

    private record Answer(Plan.Step step, ChatResponse response, long millis) {
        String content() {
            String content = response.choice().message().content();
            return content == null ? "" : content;
        }
    }

    private final Plan plan;
    private final ChatRequest request;
    private final ChatStreamListener downstream;
    private final Executor executor;
    private final Dispatch.Outcome outcome;
    private final List<Generation> generations = new CopyOnWriteArrayList<>();
    private volatile boolean done;

    ConsensusRun(Plan plan, ChatRequest request, ChatStreamListener downstream, Executor executor, Dispatch.Outcome outcome) {
        this.plan = plan;
        this.request = request;
        this.downstream = downstream;
        this.executor = executor;
        this.outcome = outcome;
    }

    ConsensusRun start() {
        ConsensusPolicy.Settings settings = plan.consensus();
        List<Plan.Step> members = plan.steps().stream().limit(settings.providers()).toList();
        List<CompletableFuture<Object>> results = new ArrayList<>();
        for (Plan.Step step : members) {
            results.add(ask(step, request.withModel(step.model()))
                    .orTimeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
                    .handle((answer, failure) -> failure == null ? answer : unwrap(failure)));
        }
        CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenRunAsync(() -> {
            try {
                finish(members, results.stream().map(CompletableFuture::join).toList());
            } catch (RuntimeException e) {
                end(new ProviderException(ProviderException.Kind.INTERNAL, "router",
                        "consensus failed: " + e.getClass().getSimpleName(), null, e));
            }
        }, executor);
        return this;
    }

    private CompletableFuture<Answer> ask(Plan.Step step, ChatRequest stepRequest) {
        CompletableFuture<Answer> result = new CompletableFuture<>();
        long start = System.nanoTime();
        try {
            generations.add(Dispatch.start(plan, step.entry(), stepRequest, new ChatStreamListener() {
                @Override
                public void onDelta(ChatDelta delta) {
                    // The whole answer is compared once complete; deltas are not passed on.
                }

                @Override
                public void onComplete(ChatResponse response) {
                    result.complete(new Answer(step, response, (System.nanoTime() - start) / 1_000_000));
                }

                @Override
                public void onError(ProviderException error) {
                    result.completeExceptionally(error);
                }
            }));
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof java.util.concurrent.TimeoutException
                ? new ProviderException(ProviderException.Kind.TIMEOUT, "router", "no answer in time") : t;
    }

    private void finish(List<Plan.Step> members, List<Object> results) {
        if (done) {
            return;
        }
        List<Route.Attempt> attempts = new ArrayList<>();
        List<Answer> answers = new ArrayList<>();
        List<Map<String, Object>> failures = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            Object result = results.get(i);
            String name = members.get(i).entry().name();
            if (result instanceof Answer answer) {
                answers.add(answer);
                attempts.add(new Route.Attempt(name, "ok", answer.millis()));
            } else {
                Throwable failure = (Throwable) result;
                attempts.add(new Route.Attempt(name, Dispatch.kindOf(failure), 0));
                failures.add(Map.of("provider", name, "error", Dispatch.kindOf(failure)));
            }
        }
        if (answers.isEmpty()) {
            Throwable last = (Throwable) results.get(results.size() - 1);
            ProviderException.Kind kind = last instanceof ProviderException pe ? pe.kind() : ProviderException.Kind.INTERNAL;
            ProviderException error = new ProviderException(kind, "router", "consensus: no provider answered: "
                    + attempts.stream().map(a -> a.provider() + " " + a.outcome()).collect(Collectors.joining(", ")));
            end(error);
            return;
        }
        Map<ProviderEntry, Usage> cloud = new LinkedHashMap<>();
        answers.stream().filter(a -> !a.step().entry().isLocal())
                .forEach(a -> cloud.put(a.step().entry(), Dispatch.usageOf(request, a.response())));

        // Group equal answers, in plan order; the largest group wins if it is a strict majority of the answers.
        String method;
        List<List<Answer>> groups;
        int limit = plan.consensus().shortAnswerChars();
        boolean allShort = answers.stream().allMatch(a -> a.content().length() <= limit);
        ProviderEntry judge = allShort ? null : judge();
        if (judge != null) {
            boolean same = judgeAgrees(judge, answers, cloud);
            groups = same ? List.of(answers) : answers.stream().map(List::of).toList();
            method = "judge " + judge.name();
        } else {
            Map<String, List<Answer>> byText = new LinkedHashMap<>();
            answers.forEach(a -> byText.computeIfAbsent(normalise(a.content()), k -> new ArrayList<>()).add(a));
            groups = new ArrayList<>(byText.values());
            method = allShort ? "normalised exact match" : notJudgedReason();
        }
        List<Answer> biggest = groups.stream().max(java.util.Comparator.comparingInt(List::size)).orElseThrow();
        boolean agreed = answers.size() >= 2 && biggest.size() * 2 > answers.size();
        Answer chosen = agreed ? biggest.get(0) : answers.get(0);
        String agreement = (agreed ? biggest.size() : 1) + "/" + members.size();
        String verdict = members.size() < 2 ? "NO CONSENSUS: only one provider is eligible for this request"
                : answers.size() < 2 ? "NO CONSENSUS: only " + answers.size() + " of " + members.size() + " providers answered"
                : agreed ? "agreed " + agreement + " (" + method + ")"
                : "DISAGREED: no majority among " + answers.size() + " answers (" + method + ")";
        Route route = new Route(chosen.step().entry().name(), chosen.response().model(), plan.policy(),
                plan.reason() + "; " + verdict, attempts);

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("agreed", agreed);
        report.put("agreement", agreement);
        report.put("method", method);
        report.put("answers", answers.stream().map(a -> Map.<String, Object>of("provider", a.step().entry().name(),
                "model", a.response().model(), "content", a.content())).toList());
        report.put("failures", failures);
        if (done) {
            return;
        }
        done = true;
        outcome.finished(route, agreed ? "ok" : "disagreed", cloud);
        downstream.onDelta(Dispatch.withRoute(ChatDelta.text(chosen.content()), route));
        downstream.onComplete(Dispatch.withRoute(chosen.response(), route, plan, Map.of(EXTENSION, report)));
    }

    /** The configured judge when it may see this request and can answer now, else {@code null}. */
    private ProviderEntry judge() {
        String name = plan.consensus().judge();
        if (name.isEmpty()) {
            return null;
        }
        return plan.eligible().stream().filter(e -> e.name().equals(name) && e.availability().isAvailable())
                .findFirst().orElse(null);
    }

    private String notJudgedReason() {
        String name = plan.consensus().judge();
        return name.isEmpty() ? "normalised exact match; no judge configured for long answers"
                : "normalised exact match; judge " + name + " is not eligible for this request or not available";
    }

    private boolean judgeAgrees(ProviderEntry judge, List<Answer> answers, Map<ProviderEntry, Usage> cloud) {
        StringBuilder prompt = new StringBuilder("Question:\n").append(lastUserText()).append("\n\n");
        for (int i = 0; i < answers.size(); i++) {
            prompt.append("Answer ").append(i + 1).append(":\n").append(answers.get(i).content()).append("\n\n");
        }
        prompt.append("Do all these answers agree in substance? Reply with exactly one word: AGREE or DISAGREE.");
        ChatRequest judging = ChatRequest.of(judge.modelFor(""), List.of(
                ChatMessage.system("You compare answers for agreement. You reply AGREE or DISAGREE only."),
                ChatMessage.user(prompt.toString())));
        CompletableFuture<ChatResponse> verdict = new CompletableFuture<>();
        try {
            generations.add(Dispatch.start(plan, judge, judging, new ChatStreamListener() {
                @Override
                public void onDelta(ChatDelta delta) {
                }

                @Override
                public void onComplete(ChatResponse response) {
                    verdict.complete(response);
                }

                @Override
                public void onError(ProviderException error) {
                    verdict.completeExceptionally(error);
                }
            }));
            ChatResponse response = verdict.get(plan.consensus().timeout().toMillis(), TimeUnit.MILLISECONDS);
            if (!judge.isLocal()) {
                cloud.merge(judge, Dispatch.usageOf(judging, response),
                        (a, b) -> new Usage(a.promptTokens() + b.promptTokens(), a.completionTokens() + b.completionTokens()));
            }
            String said = response.choice().message().content();
            return said != null && said.trim().toUpperCase(Locale.ROOT).startsWith("AGREE");
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            // A judge that cannot answer cannot confirm agreement: report disagreement rather than guess.
            return false;
        }
    }

    private String lastUserText() {
        for (int i = request.messages().size() - 1; i >= 0; i--) {
            ChatMessage message = request.messages().get(i);
            if (message.role() == trit.api.chat.Role.USER && message.content() != null) {
                return message.content();
            }
        }
        return "";
    }

    /** Lower case, NFKC, only letters, digits and single spaces (a decimal point between digits kept). */
    static String normalise(String text) {
        String s = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
        s = s.replaceAll("(?<=\\d)[.,](?=\\d)", "\u0000");
        s = s.replaceAll("[^\\p{L}\\p{N}\\u0000]+", " ").trim();
        return s.replace('\u0000', '.');
    }

    private void end(ProviderException error) {
        if (done) {
            return;
        }
        done = true;
        outcome.finished(new Route(plan.steps().get(0).entry().name(), plan.steps().get(0).model(), plan.policy(),
                plan.reason(), List.of()), error.kind().name(), Map.of());
        downstream.onError(error);
    }

    @Override
    public void cancel() {
        generations.forEach(Generation::cancel);
    }

    @Override
    public boolean isDone() {
        return done;
    }
}
