using System.Diagnostics;
using System.Text.RegularExpressions;

namespace TailGuard.Samples.LoadDriver;

/// <summary>
/// A service started as a real child process (<c>dotnet service.dll</c>) that announces its address on stdout with a line
/// <c>Listening on http://127.0.0.1:NNNNN</c>. Disposing it kills the process tree, so a test or the demo never leaves it behind.
/// </summary>
public sealed partial class ServiceProcess : IDisposable
{
    private const int RememberedErrorLines = 20;

    private readonly Process _process;
    private int _disposed;

    private ServiceProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public int Id => _process.Id;

    public Uri BaseAddress { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The <c>dotnet</c> host running this process, so children use the same runtime.</summary>
    public static string DotnetHost
    {
        get
        {
            var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
            {
                return fromSdk;
            }

            var self = Environment.ProcessPath;
            return self is not null && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase) ? self : "dotnet";
        }
    }

    /// <summary>Starts <paramref name="assemblyPath"/> and waits until it prints the address it listens on.</summary>
    /// <exception cref="InvalidOperationException">It exited or said nothing in time; the message carries its last stderr lines.</exception>
    public static async Task<ServiceProcess> StartAsync(string assemblyPath, IEnumerable<string> arguments, TimeSpan startTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (!File.Exists(assemblyPath))
        {
            throw new InvalidOperationException($"The service is not built: '{assemblyPath}' does not exist.");
        }

        var startInfo = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(assemblyPath);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new Queue<string>();
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is null)
            {
                listening.TrySetException(new InvalidOperationException("The service exited before it said where it listens."));
                return;
            }

            var match = ListeningLine().Match(line.Data);
            if (match.Success && Uri.TryCreate(match.Groups["url"].Value, UriKind.Absolute, out var uri))
            {
                listening.TrySetResult(uri);
            }
        };
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is null)
            {
                return;
            }

            lock (errors)
            {
                errors.Enqueue(line.Data);
                if (errors.Count > RememberedErrorLines)
                {
                    errors.Dequeue();
                }
            }
        };

        if (!process.Start())
        {
            process.Dispose();
            throw new InvalidOperationException($"Could not start '{startInfo.FileName} {assemblyPath}'.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var baseAddress = await listening.Task.WaitAsync(startTimeout, cancellationToken).ConfigureAwait(false);
            return new ServiceProcess(process, baseAddress);
        }
        catch (Exception exception) when (exception is InvalidOperationException or TimeoutException or OperationCanceledException)
        {
            Kill(process);
            process.WaitForExit(5000);
            string stderr;
            lock (errors)
            {
                stderr = string.Join(Environment.NewLine, errors);
            }

            process.Dispose();
            if (exception is OperationCanceledException)
            {
                throw;
            }

            var reason = exception is TimeoutException ? $"did not say where it listens within {startTimeout.TotalSeconds:0} s" : "exited before it said where it listens";
            throw new InvalidOperationException(
                $"The service {reason}.{(stderr.Length > 0 ? Environment.NewLine + stderr : "")}", exception);
        }
    }

    /// <summary>Kills the process tree; safe to call more than once (the demo's cleanup and its <c>using</c> both do).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Kill(_process);
        _process.WaitForExit(5000);
        _process.Dispose();
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
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
    }

    [GeneratedRegex(@"Listening on (?<url>https?://\S+)")]
    private static partial Regex ListeningLine();
}
