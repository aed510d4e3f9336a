using Verify = TailGuard.Analyzers.Tests.CSharpAnalyzerVerifier<TailGuard.Analyzers.LoopWithoutYieldAnalyzer>;

namespace TailGuard.Analyzers.Tests.Rules;

/// <summary>TG2001 and the nested loops of in-memory encoders that are linear in their input (<see cref="NestedLoopCost"/>).</summary>
public sealed class LoopWithoutYieldLinearNestingTests
{
    private const string Encoder = """
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        public sealed class Encoder
        {
            private readonly byte[] buffer = new byte[1 << 16];
            private int position;

            public async Task WriteCommandAsync(IReadOnlyList<string> args, CancellationToken ct)
            {
                await Task.Yield();
                foreach (var arg in args)
                {
                    var length = (uint)arg.Length;
                    while (length >= 0x80)
                    {
                        buffer[position++] = (byte)(length | 0x80);
                        length >>= 7;
                    }

                    for (var i = 0; i < arg.Length; i++)
                    {
                        buffer[position++] = (byte)arg[i];
                    }
                }
            }

            public async Task WriteRowsAsync(string[][] rows)
            {
                await Task.Yield();
                for (var r = 0; r < rows.Length; r++)
                {
                    foreach (var cell in rows[r])
                    {
                        var value = cell.Length;
                        do { buffer[position++] = (byte)('0' + value % 10); value /= 10; } while (value > 0);
                    }
                }
            }
        }
        """;

    [Fact]
    public async Task An_encoder_over_its_input_and_a_varint_loop_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync(Encoder);
    }

    [Fact]
    public async Task They_are_reported_with_report_linear_nesting()
    {
        await Verify.VerifyAnalyzerAsync(
            Encoder.Replace("        foreach (var arg in args)", "        {|TG2001:foreach|} (var arg in args)", StringComparison.Ordinal)
                .Replace("        for (var r = 0;", "        {|TG2001:for|} (var r = 0;", StringComparison.Ordinal),
            editorConfig: LoopWithoutYieldAnalyzer.ReportLinearNestingKey + " = true");
    }

    [Fact]
    public async Task Nested_loops_over_unrelated_ranges_are_still_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Collections.Generic;
            using System.Threading.Tasks;
            public sealed class Matcher
            {
                public async Task<int> CountAsync(IReadOnlyList<string> left, IReadOnlyList<string> right)
                {
                    await Task.Yield();
                    var n = 0;
                    {|TG2001:foreach|} (var a in left)
                    {
                        foreach (var b in right)
                        {
                            if (a == b) n++;
                        }
                    }

                    return n;
                }

                public async Task<int> HalveAsync(int value, int step)
                {
                    await Task.Yield();
                    var n = 0;
                    {|TG2001:foreach|} (var _ in new int[value])
                    {
                        var v = value;
                        while (v > 0) { v -= step; n++; }
                    }

                    return n;
                }
            }
            """);
    }
}
