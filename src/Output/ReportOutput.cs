using System.Text;

namespace TailGuard.Output;

/// <summary>
/// Where a command's report goes, in its format: standard output, or the file given with <c>-o</c> (UTF-8 without a byte
/// order mark), followed by one line on the message writer saying where it was written. Opening creates the file, so each
/// command chooses when: attach and analyze before the session, so an unwritable path fails at once rather than after a long
/// one; sizes once its report exists, so a failed build leaves an existing file as it was.
/// </summary>
public sealed class ReportOutput<TReport> : IDisposable
{
    private readonly TextWriter _standardOutput;
    private readonly TextWriter _messages;
    private readonly StreamWriter? _file;

    private ReportOutput(IRenderer<TReport> renderer, TextWriter standardOutput, TextWriter messages, StreamWriter? file, string? path)
    {
        Renderer = renderer;
        _standardOutput = standardOutput;
        _messages = messages;
        _file = file;
        Path = path;
    }

    public IRenderer<TReport> Renderer { get; }

    /// <summary>The file's full path, or null for standard output.</summary>
    public string? Path { get; }

    public bool ToStandardOutput => _file is null;

    /// <summary>Finds the format's renderer and creates the file (or truncates it); a <see cref="UserError"/> when either fails.</summary>
    /// <param name="renderers">The report's formats.</param>
    /// <param name="format">The <c>--format</c> name.</param>
    /// <param name="output">The <c>-o</c> file, or null for standard output.</param>
    /// <param name="standardOutput">Standard output, as the console seam gives it to renderers (a <see cref="TerminalWriter"/> on a terminal).</param>
    /// <param name="messages">Where "Report written to" goes: standard error.</param>
    public static ReportOutput<TReport> Open(RendererRegistry<TReport> renderers, string format, FileInfo? output,
        TextWriter standardOutput, TextWriter messages)
    {
        ArgumentNullException.ThrowIfNull(renderers);
        var renderer = renderers.Get(format);
        if (output is null)
        {
            return new ReportOutput<TReport>(renderer, standardOutput, messages, null, null);
        }

        try
        {
            var stream = new FileStream(output.FullName, FileMode.Create, FileAccess.Write, FileShare.Read);
            return new ReportOutput<TReport>(renderer, standardOutput, messages, new StreamWriter(stream, new UTF8Encoding(false)), output.FullName);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or System.Security.SecurityException)
        {
            throw new UserError($"Cannot write the report to '{output.FullName}': {ex.Message}", ex);
        }
    }

    public void Write(TReport report)
    {
        if (_file is null)
        {
            Renderer.Render(report, _standardOutput);
            _standardOutput.Flush();
            return;
        }

        try
        {
            Renderer.Render(report, _file);
            _file.Flush();
        }
        catch (IOException ex)
        {
            throw new UserError($"Cannot write the report to '{Path}': {ex.Message}", ex);
        }

        _messages.WriteLine($"Report written to {Path}");
    }

    public void Dispose() => _file?.Dispose();
}
