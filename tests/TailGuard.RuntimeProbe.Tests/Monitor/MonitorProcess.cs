using System.Diagnostics;
using System.Text;

namespace TailGuard.RuntimeProbe.Tests.Monitor;

/// <summary>The built tool's <c>monitor</c> command as a process of its own, stopped with SIGTERM as a container runtime stops it.</summary>
internal sealed class MonitorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _error = new();

    private MonitorProcess(Process process) => _process = process;

    public string Error
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    public static MonitorProcess Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet", [Integration.TestPaths.Tool, "monitor", .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(info) ?? throw new InvalidOperationException("Cannot start dotnet-tailguard monitor.");
        var monitor = new MonitorProcess(process);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (monitor._error)
            {
                monitor._error.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return monitor;
    }

    /// <summary>Waits until the monitor serves <c>/metrics</c> at <paramref name="address"/>.</summary>
    public async Task WaitServingAsync(string address)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        for (var i = 0; i < 150; i++)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"monitor exited with code {_process.ExitCode}: {Error}");
            }

            try
            {
                using var response = await client.GetAsync($"http://{address}/metrics");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"monitor did not serve http://{address}/metrics within 30 s: {Error}");
    }

    /// <summary>Waits until standard error holds <paramref name="text"/>.</summary>
    public async Task WaitForErrorAsync(string text, TimeSpan timeout)
    {
        for (var deadline = DateTime.UtcNow + timeout; DateTime.UtcNow < deadline;)
        {
            if (Error.Contains(text, StringComparison.Ordinal))
            {
                return;
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"monitor exited with code {_process.ExitCode}: {Error}");
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"monitor did not write '{text}' within {timeout}: {Error}");
    }

    /// <summary>Waits until standard error holds <paramref name="text"/> at least <paramref name="count"/> times.</summary>
    public async Task WaitForErrorCountAsync(string text, int count, TimeSpan timeout)
    {
        for (var deadline = DateTime.UtcNow + timeout; DateTime.UtcNow < deadline;)
        {
            var error = Error;
            var seen = 0;
            for (var at = error.IndexOf(text, StringComparison.Ordinal); at >= 0; at = error.IndexOf(text, at + 1, StringComparison.Ordinal))
            {
                seen++;
            }

            if (seen >= count)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"monitor did not write '{text}' {count} times within {timeout}: {Error}");
    }

    /// <summary>SIGTERM, as Kubernetes stops a container; returns the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill!.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
