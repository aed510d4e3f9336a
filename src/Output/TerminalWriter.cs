using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace TailGuard.Output;

/// <summary>
/// Standard output when it is an interactive terminal, as the console seam hands it to renderers: the writer itself says
/// that colours are welcome and how wide the terminal is, so a renderer decides both from what it was given and never from
/// the global <see cref="System.Console"/>. Everything written goes to the inner writer, which this one never disposes.
/// </summary>
public sealed class TerminalWriter : TextWriter
{
    private readonly TextWriter _inner;

    public TerminalWriter(TextWriter inner, int width)
        : base(inner?.FormatProvider)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        _inner = inner;
        Width = width;
    }

    /// <summary>The terminal's width in columns.</summary>
    public int Width { get; }

    public override Encoding Encoding => _inner.Encoding;

    [AllowNull]
    public override string NewLine
    {
        get => _inner.NewLine;
        set => _inner.NewLine = value;
    }

    public override void Write(char value) => _inner.Write(value);

    public override void Write(char[] buffer, int index, int count) => _inner.Write(buffer, index, count);

    public override void Write(ReadOnlySpan<char> buffer) => _inner.Write(buffer);

    public override void Write(string? value) => _inner.Write(value);

    public override void WriteLine() => _inner.WriteLine();

    public override void WriteLine(string? value) => _inner.WriteLine(value);

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync() => _inner.FlushAsync();
}
