using Microsoft.CodeAnalysis;
using TailGuard.TestSupport;

namespace TailGuard.RuntimeProbe.Tests.Sizes;

/// <summary>
/// Varied async methods compiled with Roslyn into temporary assemblies, in Release and in Debug: struct locals live and dead
/// across awaits, many locals, generic methods, ValueTask methods (one with the pooling builder), an async lambda, a local
/// function, an async iterator, an instance method of a struct.
/// </summary>
internal static class SizesSamples
{
    public const string Source = """
        #nullable disable
        using System;
        using System.Collections.Generic;
        using System.Runtime.CompilerServices;
        using System.Threading;
        using System.Threading.Tasks;

        namespace Shop.Quotes;

        public struct Quote { public decimal Price; public decimal Fee; public long Ticks; public Guid Id; public int Qty; }
        public struct Big { public long A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P; }

        public class QuoteService
        {
            public static decimal Sink;
            private int counter;

            public async Task StructLocalLive(Task t)
            {
                var quote = new Quote { Price = 1, Qty = 2 };
                await t;
                Sink = quote.Price + counter;
            }

            public static async Task StructLocalDead(Task t)
            {
                var quote = new Quote { Price = 1, Qty = 2 };
                Sink = quote.Price;
                await t;
            }

            public static async Task<long> ManyLocals(Task t)
            {
                long a = 1, b = 2, c = 3, d = 4; int e = 5, f = 6; double g = 7; bool h = true; DateTime i = DateTime.UnixEpoch; Guid j = Guid.Empty;
                string k = "x"; decimal l = 1m; TimeSpan m = TimeSpan.Zero; char o = 'o';
                await t;
                return a + b + c + d + e + f + (long)g + (h ? 1 : 0) + i.Ticks + j.GetHashCode() + k.Length + (long)l + m.Ticks + o;
            }

            public static async Task<T> Generic<T>(T value, Task t)
            {
                await t;
                return value;
            }

            public static async Task<int> GenericStruct<T>(List<T> items, T first, Task t) where T : struct
            {
                var count = items.Count;
                await t;
                return count + first.GetHashCode();
            }

            public static async ValueTask<int> ValueTaskOfInt(ValueTask<int> v, Task t)
            {
                var x = await v;
                await t;
                return x;
            }

            public static async ValueTask ValueTaskWithBigParameter(Task t, Big big)
            {
                await t;
                Sink = big.A + big.P;
            }

            [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
            public static async ValueTask<int> Pooled(Task t)
            {
                await t;
                return 1;
            }

            public Func<Task, Task<int>> Lambda() => async t =>
            {
                var q = new Quote { Qty = 3 };
                await t;
                return q.Qty + counter;
            };

            public static async Task<int> WithLocalFunction(Task t)
            {
                return await Inner(t);

                static async Task<int> Inner(Task x)
                {
                    var big = new Big { A = 1 };
                    await x;
                    return (int)big.A;
                }
            }

            public static async IAsyncEnumerable<Quote> Stream(Task t, [EnumeratorCancellation] CancellationToken ct = default)
            {
                for (var i = 0; i < 3; i++)
                {
                    await t;
                    yield return new Quote { Qty = i };
                }
            }

            public async Task<int> UsesThis(Task t)
            {
                await t;
                return counter++;
            }
        }

        public struct Counter
        {
            public long Total;
            public Quote Last;

            public async Task Add(Task t)
            {
                await t;
                Total++;
            }
        }
        """;

    private static readonly string Directory = CreateDirectory();

    private static readonly Lazy<Sample> ReleaseSample = new(() => Build(OptimizationLevel.Release));
    private static readonly Lazy<Sample> DebugSample = new(() => Build(OptimizationLevel.Debug));

    public static Sample Release => ReleaseSample.Value;

    public static Sample Debug => DebugSample.Value;

    public static Sample Get(OptimizationLevel optimization) => optimization == OptimizationLevel.Release ? Release : Debug;

    /// <summary>A fresh temporary folder under the tests' own root, for files a test writes.</summary>
    public static string NewDirectory()
    {
        var path = Path.Combine(Directory, Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(path);
        return path;
    }

    private static Sample Build(OptimizationLevel optimization)
    {
        var name = "Shop.Quotes." + optimization;
        var (compilation, image) = CompiledStateMachines.Emit(Source, optimization, assemblyName: name);
        var path = Path.Combine(NewDirectory(), name + ".dll");
        File.WriteAllBytes(path, image);
        return new Sample(path, compilation, image);
    }

    private static string CreateDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "tailguard-sizes-tests", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        System.IO.Directory.CreateDirectory(path);
        return path;
    }
}

internal sealed record Sample(string Path, Microsoft.CodeAnalysis.CSharp.CSharpCompilation Compilation, byte[] Image);
