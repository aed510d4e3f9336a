using System.CommandLine;
using System.CommandLine.Parsing;

namespace TailGuard.Samples.LoadDriver;

/// <summary>The <c>LoadDriver</c> command line: one open-loop run, reported as text or JSON.</summary>
internal static class LoadCommand
{
    private static readonly Option<Uri> TargetOption = new("--target", "-t")
    {
        Description = "Base URL of the service, e.g. http://127.0.0.1:5000 (loopback only in tests and the demo).",
        Required = true,
        CustomParser = result =>
        {
            var text = result.Tokens.Single().Value;
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            {
                return uri;
            }

            result.AddError($"'{text}' is not an http or https URL.");
            return null!;
        },
    };

    private static readonly Option<double> RateOption = new("--rate", "-r")
    {
        Description = "Requests started per second, whatever the latency.",
        DefaultValueFactory = _ => 500,
    };

    private static readonly Option<TimeSpan> DurationOption = new("--duration", "-d")
    {
        Description = "How long to send, e.g. 10s, 500ms, 2m or 00:00:10.",
        DefaultValueFactory = _ => TimeSpan.FromSeconds(10),
        CustomParser = ParseDuration,
    };

    private static readonly Option<TimeSpan> TimeoutOption = new("--timeout")
    {
        Description = "A request unanswered after this long is abandoned and counted as a timeout.",
        DefaultValueFactory = _ => TimeSpan.FromSeconds(5),
        CustomParser = ParseDuration,
    };

    private static readonly Option<TimeSpan> WarmupOption = new("--warmup", "-w")
    {
        Description = "Send at the same rate for this long first and leave it out of the report (the client's own cold start). Default: none.",
        DefaultValueFactory = _ => TimeSpan.Zero,
        CustomParser = result => result.Tokens.Single().Value is "0" ? TimeSpan.Zero : ParseDuration(result),
    };

    private static readonly Option<string[]> MixOption = new("--mix", "-m")
    {
        Description = "A path and its weight, /path=weight; repeat for a weighted mix. Default: /",
        AllowMultipleArgumentsPerToken = true,
    };

    private static readonly Option<string[]> BurstOption = new("--burst", "-b")
    {
        Description = "Requests to one path all at once, on top of the rate, /path=count@time (e.g. /bad/sync-io=48@2s: a batch job or a retry storm); repeat for more bursts.",
        AllowMultipleArgumentsPerToken = true,
    };

    private static readonly Option<int> SeedOption = new("--seed")
    {
        Description = "Seed of the path choice (the same seed sends the same sequence).",
        DefaultValueFactory = _ => 1,
    };

    private static readonly Option<int> ConnectionsOption = new("--connections", "-c")
    {
        Description = "Most connections the client may open; high, so requests never queue inside the client.",
        DefaultValueFactory = _ => 4096,
    };

    private static readonly Option<string> FormatOption = new("--format", "-f")
    {
        Description = "text or json.",
        DefaultValueFactory = _ => "text",
    };

    private static readonly Option<FileInfo?> OutputOption = new("--output", "-o")
    {
        Description = "Write the report to this file instead of stdout.",
    };

    public static RootCommand Create()
    {
        FormatOption.AcceptOnlyFromAmong("text", "json");
        var command = new RootCommand("Open-loop HTTP load driver: a fixed request rate whatever the latency, latency from each request's intended start (no coordinated omission), HdrHistogram percentiles.")
        {
            TargetOption, RateOption, DurationOption, TimeoutOption, WarmupOption, MixOption, BurstOption, SeedOption, ConnectionsOption, FormatOption, OutputOption,
        };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult.GetRequiredValue(TargetOption),
            parseResult.GetValue(RateOption),
            parseResult.GetValue(DurationOption),
            parseResult.GetValue(TimeoutOption),
            parseResult.GetValue(WarmupOption),
            parseResult.GetValue(MixOption) ?? [],
            parseResult.GetValue(BurstOption) ?? [],
            parseResult.GetValue(SeedOption),
            parseResult.GetValue(ConnectionsOption),
            parseResult.GetValue(FormatOption) ?? "text",
            parseResult.GetValue(OutputOption),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        Uri target, double rate, TimeSpan duration, TimeSpan timeout, TimeSpan warmup, string[] mix, string[] bursts, int seed, int connections, string format, FileInfo? output,
        CancellationToken cancellationToken)
    {
        LoadPlan plan;
        try
        {
            plan = new LoadPlan
            {
                BaseAddress = target,
                RatePerSecond = rate,
                Duration = duration,
                Timeout = timeout,
                Warmup = warmup,
                Seed = seed,
                Mix = mix.Length == 0 ? [new LoadTarget("/", 1)] : mix.Select(LoadTarget.Parse).ToArray(),
                Bursts = bursts.Select(LoadBurst.Parse).ToArray(),
            };
            plan.Validate();
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(connections);
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync($"error: {exception.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        using var driver = new OpenLoopLoadDriver(connections);
        var progress = new Progress<LoadProgress>(p => Console.Error.Write(
            $"\r  {p.Elapsed.TotalSeconds,5:0.0} s  sent {p.Sent,8:N0}  done {p.Completed,8:N0}  in flight {p.InFlight,6:N0}  errors {p.Errors:N0}  timeouts {p.Timeouts:N0}   "));
        var result = await driver.RunAsync(plan, progress, cancellationToken).ConfigureAwait(false);
        await Console.Error.WriteLineAsync().ConfigureAwait(false);

        var report = format == "json" ? result.ToJson() : result.ToText();
        try
        {
            if (output is null)
            {
                await Console.Out.WriteLineAsync(report).ConfigureAwait(false);
            }
            else
            {
                await File.WriteAllTextAsync(output.FullName, report + Environment.NewLine, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"error: cannot write '{output?.FullName}': {exception.Message}").ConfigureAwait(false);
            return ExitCodes.Error;
        }

        return result.Errors + result.Timeouts == 0 ? ExitCodes.Success : ExitCodes.RequestsFailed;
    }

    private static TimeSpan ParseDuration(ArgumentResult result)
    {
        var text = result.Tokens.Single().Value;
        if (DurationParser.TryParse(text, out var duration) && duration > TimeSpan.Zero)
        {
            return duration;
        }

        result.AddError($"'{text}' is not a duration (examples: 500ms, 10s, 2m, 00:00:10).");
        return TimeSpan.Zero;
    }
}

internal static class ExitCodes
{
    public const int Success = 0;
    public const int Error = 1;
    public const int Usage = 2;

    /// <summary>The run completed but some requests failed or timed out.</summary>
    public const int RequestsFailed = 3;
}
