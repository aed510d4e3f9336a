using System.CommandLine;
using System.CommandLine.Help;
using TailGuard.Output;
using TailGuard.Tool.Commands;

namespace TailGuard.Tool;

/// <summary>
/// Builds the command line, turns parse errors into one line and exit code 2 and user errors into one line and exit code 1,
/// and runs the chosen command.
/// </summary>
internal static class ProbeCli
{
    private const string Description =
        "dotnet-tailguard: attributes an ASP.NET Core service's tail latency (P99, P99.9) to GC pauses, thread-pool " +
        "starvation and lock contention, over EventPipe (ps, attach, analyze, providers), monitors it always on with metrics for Prometheus and OpenTelemetry (monitor), and lists the exact size of every " +
        "async state machine of an assembly (sizes). Exit codes: 0 success, 1 error (the message says which), 2 usage error, " +
        "3 an --slo rule was violated or no request was seen (attach, analyze), or a state machine exceeds --max-bytes (sizes). " +
        "Each command's --help lists its own.";

    /// <param name="launch">What followed <c>--</c> on the command line: the command <c>attach</c> starts (launch mode).</param>
    public static RootCommand CreateRootCommand(IProbeConsole console, IReadOnlyList<string>? launch = null) =>
        new(Description)
        {
            PsCommand.Create(console),
            AttachCommand.Create(console, launch),
            MonitorCommand.Create(console),
            AnalyzeCommand.Create(console),
            ProvidersCommand.Create(console),
            SizesCommand.Create(console),
        };

    public static async Task<ReturnCode> RunAsync(string[] args, IProbeConsole console)
    {
        using var signal = new ShutdownSignal();
        return await RunAsync(args, console, signal.Token).ConfigureAwait(false);
    }

    public static async Task<ReturnCode> RunAsync(string[] args, IProbeConsole console, CancellationToken cancel)
    {
        // "attach -- dotnet App.dll": the command to launch is split off first, so that none of its words is read as the
        // tool's (the pid argument would take "dotnet").
        var dashes = Array.IndexOf(args, "--");
        string[] launch = dashes < 0 ? [] : args[(dashes + 1)..];
        if (dashes >= 0)
        {
            args = args[..dashes];
            if (args.FirstOrDefault() != "attach" || launch.Length == 0)
            {
                await console.Error.WriteLineAsync(launch.Length == 0
                    ? "dotnet-tailguard: give the command to start after '--' (attach -- dotnet MyApp.dll). Run 'dotnet-tailguard attach --help' for usage."
                    : "dotnet-tailguard: only attach starts a command given after '--' (attach -- dotnet MyApp.dll). Run 'dotnet-tailguard --help' for usage.").ConfigureAwait(false);
                return ReturnCode.UsageError;
            }
        }

        var root = CreateRootCommand(console, launch);
        ParseResult parse;
        try
        {
            parse = root.Parse(args);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A defect of ours (a validator that throws): still one line and no stack trace.
            await console.Error.WriteLineAsync($"dotnet-tailguard: cannot read the command line: {ex.Message}").ConfigureAwait(false);
            return ReturnCode.UsageError;
        }

        var configuration = new InvocationConfiguration
        {
            Output = console.Out,
            Error = console.Error,
            // Signals are ours (ShutdownSignal): the session must stop cleanly and still write its report.
            ProcessTerminationTimeout = null,
            EnableDefaultExceptionHandler = false,
        };

        // No command at all: name every command (from the root, so a new one is listed too) rather than the parser's
        // generic "Required command was not provided".
        if (parse.CommandResult.Command == root && parse.Tokens.Count == 0)
        {
            var commands = string.Join(", ", root.Subcommands.Select(c => c.Name));
            await console.Error.WriteLineAsync($"dotnet-tailguard: give a command ({commands}). Run 'dotnet-tailguard --help' for usage.").ConfigureAwait(false);
            return ReturnCode.UsageError;
        }

        if (parse.Errors.Count > 0 && parse.Action is not HelpAction)
        {
            await console.Error.WriteLineAsync(UsageErrorLine(parse, root)).ConfigureAwait(false);
            return ReturnCode.UsageError;
        }

        try
        {
            return (ReturnCode)await parse.InvokeAsync(configuration, cancel).ConfigureAwait(false);
        }
        catch (UserError ex)
        {
            // The one place user errors become one line and exit code 1 (the probe's ProbeException is a UserError).
            await console.Error.WriteLineAsync($"dotnet-tailguard: {ex.Message}").ConfigureAwait(false);
            return ReturnCode.Error;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A defect, not a user error: one line, and the stack only on request.
            await console.Error.WriteLineAsync($"dotnet-tailguard: unexpected error: {ex.GetType().Name}: {ex.Message}").ConfigureAwait(false);
            if (Environment.GetEnvironmentVariable("TAILGUARD_DEBUG") == "1")
            {
                await console.Error.WriteLineAsync(ex.ToString()).ConfigureAwait(false);
            }

            return ReturnCode.Error;
        }
    }

    /// <summary>
    /// Every parse error in one line, with the help to read: a script's log shows one line per failure, and a message split
    /// over several (as the parser's own "Must be one of:" list is) reads as several failures.
    /// </summary>
    private static string UsageErrorLine(ParseResult parse, RootCommand root)
    {
        var messages = parse.Errors
            .Select(e => string.Join(' ', e.Message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
            .Distinct(StringComparer.Ordinal);
        var command = parse.CommandResult.Command == root ? "" : " " + parse.CommandResult.Command.Name;
        return $"dotnet-tailguard: {string.Join(" ", messages.Select(m => m.EndsWith('.') ? m : m + "."))} Run 'dotnet-tailguard{command} --help' for usage.";
    }
}
