using System.Diagnostics;
using Microsoft.Diagnostics.NETCore.Client;

namespace TailGuard.RuntimeProbe.Sources;

/// <summary>
/// How a live session reaches its target: the diagnostics socket a running process publishes (by pid), or a diagnostic port
/// this tool listens at and the target connects to (<c>DOTNET_DiagnosticPorts=PATH</c>; CoreCLR's ports only connect, so
/// the tool is the listener). <see cref="EventPipeLiveSource"/> runs the same session over either.
/// </summary>
public sealed class TargetConnection : IAsyncDisposable
{
    private readonly DiagnosticsClientConnector? _listener;
    private int? _pid;

    private TargetConnection(DiagnosticsClient client, TargetInfo target, DiagnosticsClientConnector? listener)
    {
        Client = client;
        Target = target;
        _listener = listener;
        _pid = target.Pid;
    }

    internal DiagnosticsClient Client { get; }

    /// <summary>What is known of the target up front (through a port the pid is known only when the tool started it).</summary>
    public TargetInfo Target { get; private set; }

    /// <summary>
    /// The target connected to a port: it may be paused at start-up (<c>DOTNET_DiagnosticPorts=PATH</c> or <c>PATH,suspend</c>)
    /// until the tool resumes it, which the session does once it has started, so start-up is in the trace.
    /// </summary>
    internal bool ResumeAfterSessionStart => _listener is not null;

    /// <summary>For messages: "process 4242" or "the process at diagnostic port PATH".</summary>
    internal string Describe { get; private set; } = "";

    /// <summary>Names the process that connected to the port, when the caller knows it (it started the process).</summary>
    public void Identify(int pid)
    {
        _pid = pid;
        Target = DescribeProcess(pid, null);
        Describe = $"process {pid}";
    }

    /// <summary>Checks that <paramref name="pid"/> is a .NET process we can talk to; throws <see cref="ProbeException"/> if not.</summary>
    public static TargetConnection ToProcess(int pid)
    {
        string processName;
        try
        {
            using var process = Process.GetProcessById(pid);
            processName = process.ProcessName;
        }
        catch (ArgumentException)
        {
            throw new ProbeException($"No process with id {pid} is running.");
        }

        if (!DiagnosticsClient.GetPublishedProcesses().Contains(pid))
        {
            throw new ProbeException(
                $"Process {pid} ({processName}) is not a .NET process this user can attach to (no diagnostics endpoint; is DOTNET_EnableDiagnostics=0 set, or does it run as another user?).");
        }

        var client = new DiagnosticsClient(pid);
        int? forcedMax;
        try
        {
            // A round trip that proves the diagnostics endpoint answers before a session is started, and tells whether the
            // pool's maximum is forced.
            forcedMax = TargetEnvironment.ForcedMaxWorkerThreads(client.GetProcessEnvironment());
        }
        catch (Exception ex) when (ex is ServerNotAvailableException or ServerErrorException or UnsupportedCommandException or IOException or TimeoutException)
        {
            throw new ProbeException($"Cannot connect to process {pid} ({processName}): {ex.Message}", ex);
        }

        return new TargetConnection(client, DescribeProcess(pid, processName) with { ForcedMaxWorkerThreads = forcedMax }, listener: null)
        {
            Describe = $"process {pid}",
        };
    }

    /// <summary>
    /// Listens at the diagnostic port <paramref name="path"/> (a Unix domain socket this call creates) and returns once a
    /// .NET process started with <c>DOTNET_DiagnosticPorts=PATH</c> connects. The socket exists when this method returns
    /// its task, before the first await: a caller may start the target right after calling it.
    /// </summary>
    /// <param name="pid">The target's pid when the caller knows it; unknown otherwise until its events come (or <see cref="Identify"/>).</param>
    public static async Task<TargetConnection> ListenAsync(string path, int? pid, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(path);
        // The connector creates the socket synchronously, before its first await.
        var accepting = DiagnosticsClientConnector.FromDiagnosticPort(path + ",listen", cancel);
        DiagnosticsClientConnector? connector;
        try
        {
            connector = await accepting.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or System.Net.Sockets.SocketException)
        {
            throw new ProbeException($"Cannot listen at the diagnostic port '{path}': {ex.Message}", ex);
        }

        if (connector is null)
        {
            throw new OperationCanceledException(cancel);
        }

        var target = pid is { } p ? DescribeProcess(p, null) : new TargetInfo();
        return new TargetConnection(connector.Instance, target, connector)
        {
            Describe = pid is { } known ? $"process {known}" : $"the process at diagnostic port {path}",
        };
    }

    /// <summary>What is known of <paramref name="pid"/>, for a target whose pid was learnt late (from its first event).</summary>
    internal static TargetInfo DescribeProcess(int pid, string? processName)
    {
        if (processName is null)
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                processName = process.ProcessName;
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                return new TargetInfo { Pid = pid };
            }
        }

        var commandLine = DotNetProcesses.ReadCommandLine(pid) ?? processName;
        return new TargetInfo
        {
            Pid = pid,
            ProcessName = DotNetProcesses.AppName(processName, commandLine),
            RuntimeVersion = DotNetProcesses.RuntimeVersion(pid),
            CommandLine = commandLine,
        };
    }

    /// <summary>Whether the target has exited; <paramref name="seenPid"/> is the pid its events carried, when it was not known up front.</summary>
    internal bool HasExited(int? seenPid)
    {
        if ((_pid ?? seenPid) is not { } pid)
        {
            // Through a port with no event yet: a stream that ended was a target that went away.
            return true;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return true;
        }
    }

    /// <summary>Resumes a target paused at start-up; a runtime that was not paused ignores it.</summary>
    internal void ResumeRuntime()
    {
        try
        {
            Client.ResumeRuntime();
        }
        catch (Exception ex) when (ex is ServerErrorException or UnsupportedCommandException)
        {
            // Not paused (PATH,nosuspend) or a runtime that does not know the command: it is running already.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_listener is not null)
        {
            await _listener.DisposeAsync().ConfigureAwait(false);
        }
    }
}
