using System.Text;

namespace TailGuard.Output;

/// <summary>
/// Where a command's report goes, in its format: standard output, or the file given with <c>-o</c> (UTF-8 without a byte
/// order mark), followed by one line on the message writer saying where it was written. A file is an
/// <see cref="OutputFile"/>: opening checks that it can be written and is none of the command's inputs, so every command
/// opens its output before its long work (a session, a build); the report replaces the file only once it is complete, so a
/// run that fails leaves an existing file as it was and no empty one.
/// </summary>
public sealed class ReportOutput<TReport> : IDisposable
{
    private readonly TextWriter _standardOutput;
    private readonly TextWriter _messages;
    private readonly OutputFile? _file;

    private ReportOutput(IRenderer<TReport> renderer, TextWriter standardOutput, TextWriter messages, OutputFile? file)
    {
        Renderer = renderer;
        _standardOutput = standardOutput;
        _messages = messages;
        _file = file;
    }

    public IRenderer<TReport> Renderer { get; }

    /// <summary>The file's full path, or null for standard output.</summary>
    public string? Path => _file?.Path;

    public bool ToStandardOutput => _file is null;

    /// <summary>
    /// Finds the format's renderer and reserves the file (<see cref="OutputFile.Reserve"/>); a <see cref="UserError"/> when
    /// either fails. An existing file is not touched until <see cref="Write"/> has the whole report.
    /// </summary>
    /// <param name="renderers">The report's formats.</param>
    /// <param name="format">The <c>--format</c> name.</param>
    /// <param name="output">The <c>-o</c> file, or null for standard output.</param>
    /// <param name="standardOutput">Standard output, as the console seam gives it to renderers (a <see cref="TerminalWriter"/> on a terminal).</param>
    /// <param name="messages">Where "Report written to" goes: standard error.</param>
    /// <param name="inUse">The files the command reads (or also writes), which the report must not replace.</param>
    public static ReportOutput<TReport> Open(RendererRegistry<TReport> renderers, string format, FileInfo? output,
        TextWriter standardOutput, TextWriter messages, IEnumerable<FileInUse>? inUse = null)
    {
        ArgumentNullException.ThrowIfNull(renderers);
        var renderer = renderers.Get(format);
        var file = output is null ? null : OutputFile.Reserve(output, "report", inUse);
        return new ReportOutput<TReport>(renderer, standardOutput, messages, file);
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
            using (var writer = new StreamWriter(_file.OpenWrite(), new UTF8Encoding(false)))
            {
                Renderer.Render(report, writer);
            }
        }
        catch (IOException ex)
        {
            throw new UserError($"Cannot write the report to '{_file.Path}': {ex.Message}", ex);
        }

        _file.Commit();
        _messages.WriteLine($"Report written to {_file.Path}");
    }

    /// <summary>Deletes the unfinished temporary file of a report that was never written.</summary>
    public void Dispose() => _file?.Dispose();
}
