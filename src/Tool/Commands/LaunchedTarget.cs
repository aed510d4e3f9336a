using System.ComponentModel;
using System.Diagnostics;
using TailGuard.RuntimeProbe.Sources;

namespace TailGuard.Tool.Commands;

/// <summary>
/// The launch mode (<c>attach -- dotnet MyApp.dll</c>): listens at a fresh diagnostic port, starts the command with
/// <c>DOTNET_DiagnosticPorts=PORT,suspend</c> so its runtime connects and waits at start-up, and hands back the connection;
/// the session resumes the runtime once it runs, so start-up (where cold pools starve first) is in the report. The command's
/// standard output and error are copied to the tool's standard error, which keeps standard output for the report. A command
/// still running when the session ends (--duration, Ctrl+C) is killed, as dotnet-trace does.
/// </summary>
internal sealed class LaunchedTarget : IAsyncDisposable
{
    /// <summary>How long a started command's runtime has to connect: a .NET app's host starts its runtime in well under this.</summary>
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly string _port;

    private LaunchedTarget(Process process, string port, TargetConnection connection)
    {
        _process = process;
        _port = port;
        Connection = connection;
    }

    public TargetConnection Connection { get; }

    public int Pid => _process.Id;

    public static async Task<LaunchedTarget> StartAsync(IReadOnlyList<string> command, TextWriter log, CancellationToken cancel)
    {
        var port = Path.Combine(Path.GetTempPath(), $"dotnet-tailguard-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
        using var connecting = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var listening = TargetConnection.ListenAsync(port, pid: null, connecting.Token);
        var info = new ProcessStartInfo(command[0], command.Skip(1))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // suspend: the runtime waits for the session before it runs any managed code (a bare PATH also suspends on .NET 10,
        // but saying it does not depend on that).
        info.Environment["DOTNET_DiagnosticPorts"] = port + ",suspend";
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new ProbeException($"Cannot start '{command[0]}'.");
        }
        catch (Win32Exception ex)
        {
            await connecting.CancelAsync().ConfigureAwait(false);
            await Ignore(listening).ConfigureAwait(false);
            DeletePort(port);
            throw new ProbeException($"Cannot start '{command[0]}': {ex.Message}", ex);
        }

        process.OutputDataReceived += (_, e) => Copy(log, e.Data);
        process.ErrorDataReceived += (_, e) => Copy(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var exited = process.WaitForExitAsync(connecting.Token);
        var first = await Task.WhenAny(listening, exited, Task.Delay(ConnectTimeout, connecting.Token)).ConfigureAwait(false);
        if (first == listening && listening.IsCompletedSuccessfully)
        {
            await connecting.CancelAsync().ConfigureAwait(false);
            var connected = await listening.ConfigureAwait(false);
            // The port does not say which process connected; the launcher knows.
            connected.Identify(process.Id);
            return new LaunchedTarget(process, port, connected);
        }

        var reason = process.HasExited
            ? $"'{command[0]}' exited (code {process.ExitCode}) before its .NET runtime connected: is it a .NET app (or 'dotnet' with an app)?"
            : cancel.IsCancellationRequested
                ? "Stopped before the command's .NET runtime connected."
                : $"'{command[0]}' did not connect to the diagnostic port within {ConnectTimeout.TotalSeconds:0} s: is it a .NET 5 or later app?";
        await connecting.CancelAsync().ConfigureAwait(false);
        await Ignore(listening).ConfigureAwait(false);
        Kill(process);
        process.Dispose();
        DeletePort(port);
        throw new ProbeException(reason);
    }

    /// <summary>Kills the command if it still runs and removes the port's socket.</summary>
    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync().ConfigureAwait(false);
        Kill(_process);
        _process.Dispose();
        DeletePort(_port);
    }

    private static void Copy(TextWriter log, string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.WriteLine(line);
            }
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Already gone.
        }
    }

    private static async Task Ignore(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ProbeException)
        {
            // The listener was given up on purpose.
        }
    }

    private static void DeletePort(string port)
    {
        try
        {
            File.Delete(port);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A socket file left in the temp folder harms nothing.
        }
    }
}
