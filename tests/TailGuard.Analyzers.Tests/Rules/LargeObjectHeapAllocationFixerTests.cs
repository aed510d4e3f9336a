using Verify = TailGuard.Analyzers.Tests.CSharpCodeFixVerifier<TailGuard.Analyzers.LargeObjectHeapAllocationAnalyzer, TailGuard.CodeFixes.LargeObjectHeapAllocationFixer>;

namespace TailGuard.Analyzers.Tests.Rules;

public sealed class LargeObjectHeapAllocationFixerTests
{
    [Fact]
    public async Task Fix_rents_from_the_pool_returns_in_finally_and_rewrites_Length()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.IO;
            using System.Threading.Tasks;
            class Copier
            {
                public async Task<long> CopyAsync(Stream from, Stream to)
                {
                    long total = 0;
                    var buffer = {|TG4001:new byte[1 << 20]|};
                    int read;
                    while ((read = await from.ReadAsync(buffer, 0, buffer.Length)) > 0)
                    {
                        await to.WriteAsync(buffer, 0, read);
                        total += read;
                    }

                    return total;
                }
            }
            """, """
            using System.Buffers;
            using System.IO;
            using System.Threading.Tasks;
            class Copier
            {
                public async Task<long> CopyAsync(Stream from, Stream to)
                {
                    long total = 0;
                    var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
                    try
                    {
                        int read;
                        while ((read = await from.ReadAsync(buffer, 0, 1 << 20)) > 0)
                        {
                            await to.WriteAsync(buffer, 0, read);
                            total += read;
                        }

                        return total;
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_parenthesizes_the_length_inside_expressions_and_keeps_element_access()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.Buffers;
            using System.Threading.Tasks;
            class Histogram
            {
                public async Task<int> LastAsync()
                {
                    await Task.Yield();
                    int[] counts = {|TG4001:new int[64 * 1024]|};
                    counts[0]++;
                    return counts[counts.Length - 1];
                }
            }
            """, """
            using System.Buffers;
            using System.Threading.Tasks;
            class Histogram
            {
                public async Task<int> LastAsync()
                {
                    await Task.Yield();
                    int[] counts = ArrayPool<int>.Shared.Rent(64 * 1024);
                    try
                    {
                        counts[0]++;
                        return counts[(64 * 1024) - 1];
                    }
                    finally
                    {
                        ArrayPool<int>.Shared.Return(counts);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_keeps_local_functions_outside_the_try_and_accepts_explicit_extents()
    {
        await Verify.VerifyCodeFixAsync("""
            using System;
            using System.Threading.Tasks;
            class Parser
            {
                public async Task<int> ParseAsync()
                {
                    await Task.Yield();
                    var buffer = {|TG4001:new byte[100_000]|};
                    Fill(buffer.AsSpan(0, 10));
                    return Sum(new ArraySegment<byte>(buffer, 0, 10));

                    static void Fill(Span<byte> span) => span.Fill(1);
                    static int Sum(ArraySegment<byte> segment) => segment.Count;
                }
            }
            """, """
            using System;
            using System.Buffers;
            using System.Threading.Tasks;
            class Parser
            {
                public async Task<int> ParseAsync()
                {
                    await Task.Yield();
                    var buffer = ArrayPool<byte>.Shared.Rent(100_000);
                    try
                    {
                        Fill(buffer.AsSpan(0, 10));
                        return Sum(new ArraySegment<byte>(buffer, 0, 10));
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }

                    static void Fill(Span<byte> span) => span.Fill(1);
                    static int Sum(ArraySegment<byte> segment) => segment.Count;
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_all_nests_one_try_per_array()
    {
        await Verify.VerifyFixAllAsync("""
            using System.Threading.Tasks;
            class Buffers
            {
                public async Task<int> RunAsync()
                {
                    await Task.Yield();
                    var a = {|TG4001:new byte[100_000]|};
                    var b = {|TG4001:new long[20_000]|};
                    a[0] = 1;
                    b[0] = a[0];
                    return (int)b[0];
                }

                public async Task OtherAsync()
                {
                    await Task.Yield();
                    var c = {|TG4001:new char[50_000]|};
                    c[1] = 'x';
                }
            }
            """, """
            using System.Buffers;
            using System.Threading.Tasks;
            class Buffers
            {
                public async Task<int> RunAsync()
                {
                    await Task.Yield();
                    var a = ArrayPool<byte>.Shared.Rent(100_000);
                    try
                    {
                        var b = ArrayPool<long>.Shared.Rent(20_000);
                        try
                        {
                            a[0] = 1;
                            b[0] = a[0];
                            return (int)b[0];
                        }
                        finally
                        {
                            ArrayPool<long>.Shared.Return(b);
                        }
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(a);
                    }
                }

                public async Task OtherAsync()
                {
                    await Task.Yield();
                    var c = ArrayPool<char>.Shared.Rent(50_000);
                    try
                    {
                        c[1] = 'x';
                    }
                    finally
                    {
                        ArrayPool<char>.Shared.Return(c);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task No_fix_when_the_buffer_escapes_or_is_used_whole()
    {
        await Verify.VerifyNoCodeFixAsync("""
            using System;
            using System.Collections.Generic;
            using System.IO;
            using System.Threading.Tasks;
            class Buffers
            {
                byte[]? _kept;
                public async Task<byte[]> ReturnedAsync()
                {
                    await Task.Yield();
                    var buffer = {|TG4001:new byte[100_000]|};
                    return buffer;
                }

                public async Task StoredAsync()
                {
                    await Task.Yield();
                    var buffer = {|TG4001:new byte[100_000]|};
                    _kept = buffer;
                }

                public async Task WholeAsync(Stream stream)
                {
                    var buffer = {|TG4001:new byte[100_000]|};
                    await stream.ReadExactlyAsync(buffer);
                }

                public async Task CapturedAsync()
                {
                    await Task.Yield();
                    var buffer = {|TG4001:new byte[100_000]|};
                    Func<int> first = () => buffer[0];
                }

                public async Task AddedAsync(List<byte[]> list)
                {
                    await Task.Yield();
                    var buffer = {|TG4001:new byte[100_000]|};
                    list.Add(buffer);
                }

                public async Task WrappedAsync()
                {
                    await Task.Yield();
                    var buffer = {|TG4001:new byte[100_000]|};
                    using var stream = new MemoryStream(buffer, 0, 10);
                }

                public async Task<byte> NotALocalAsync()
                {
                    await Task.Yield();
                    return ({|TG4001:new byte[100_000]|})[0];
                }
            }
            """);
    }
}
