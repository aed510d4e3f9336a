using System.Text;
using TailGuard.RuntimeProbe.Rendering;
using TailGuard.RuntimeProbe.Reporting;
using TailGuard.RuntimeProbe.Sources;

namespace TailGuard.RuntimeProbe.Tool.Commands;

/// <summary>
/// Where the report goes: a file given with -o (opened before the session starts, so an unwritable path fails at once
/// rather than after a long session) or standard output.
/// </summary>
internal sealed class ReportOutput : IDisposable
{
    private readonly IProbeConsole _console;
    private readonly StreamWriter? _file;

    private ReportOutput(IProbeConsole console, IReportRenderer renderer, StreamWriter? file, string? path)
    {
        _console = console;
        Renderer = renderer;
        _file = file;
        Path = path;
    }

    public IReportRenderer Renderer { get; }

    public string? Path { get; }

    public bool ToStandardOutput => _file is null;

    public static ReportOutput Open(IProbeConsole console, string format, FileInfo? output)
    {
        var renderer = ReportRenderers.Find(format) ?? throw new ProbeException($"Unknown format '{format}'.");
        if (output is null)
        {
            return new ReportOutput(console, renderer, null, null);
        }

        try
        {
            var stream = new FileStream(output.FullName, FileMode.Create, FileAccess.Write, FileShare.Read);
            return new ReportOutput(console, renderer, new StreamWriter(stream, new UTF8Encoding(false)), output.FullName);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or System.Security.SecurityException)
        {
            throw new ProbeException($"Cannot write the report to '{output.FullName}': {ex.Message}", ex);
        }
    }

    public void Write(Report report)
    {
        if (_file is null)
        {
            Renderer.Render(report, _console.Out);
            _console.Out.Flush();
            return;
        }

        Renderer.Render(report, _file);
        _file.Flush();
        _console.Error.WriteLine($"Report written to {Path}");
    }

    public void Dispose() => _file?.Dispose();
}
