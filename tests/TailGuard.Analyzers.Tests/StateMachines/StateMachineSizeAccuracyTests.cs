using Microsoft.CodeAnalysis;
using TailGuard.Analyzers.StateMachines;
using TailGuard.TestSupport;

namespace TailGuard.Analyzers.Tests.StateMachines;

/// <summary>
/// The estimate must be within 10% of what the runtime gives the compiler-generated state machine (Unsafe.SizeOf of the
/// struct), for every one of a varied set of async functions compiled here with Roslyn in Release.
/// </summary>
public sealed class StateMachineSizeAccuracyTests
{
    private const double Tolerance = 0.10;

    internal const string Samples = """
        #nullable disable
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Runtime.CompilerServices;
        using System.Threading;
        using System.Threading.Tasks;

        public struct Quote { public decimal Price; public decimal Fee; public long Ticks; public Guid Id; public int Qty; }
        public struct Big { public long A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P; }
        public struct Mixed { public string Name; public byte Flag; public long Value; public short Small; }
        public enum Mode : byte { A, B }

        public class Service
        {
            private int counter;
            private readonly Stream stream = Stream.Null;

            public static async Task Empty() => await Task.Yield();

            public static async Task<int> Simple(Task<int> load) => await load + 1;

            public async Task<int> InstanceUsesThis(CancellationToken ct)
            {
                await Task.Delay(1, ct);
                return counter++;
            }

            public static async Task StructLocalLiveAcrossAwait(Task t)
            {
                var quote = new Quote { Price = 1, Qty = 2 };
                await t;
                Console.WriteLine(quote.Price);
            }

            public static async Task StructLocalDeadBeforeAwait(Task t)
            {
                var quote = new Quote { Price = 1, Qty = 2 };
                Console.WriteLine(quote.Price);
                await t;
            }

            public static async Task<long> ManyLocalsLive(Task t)
            {
                long a = 1, b = 2, c = 3, d = 4; int e = 5, f = 6; double g = 7; bool h = true; DateTime i = DateTime.Now; Guid j = Guid.NewGuid();
                string k = "x"; decimal l = 1m; TimeSpan m = TimeSpan.Zero; Mode n = Mode.B; char o = 'o';
                await t;
                return a + b + c + d + e + f + (long)g + (h ? 1 : 0) + i.Ticks + j.GetHashCode() + k.Length + (long)l + m.Ticks + (long)n + o;
            }

            public static async Task<long> ManyLocalsDead(Task t)
            {
                long a = 1, b = 2, c = 3, d = 4; int e = 5, f = 6; double g = 7; Guid j = Guid.NewGuid(); decimal l = 1m;
                var sum = a + b + c + d + e + f + (long)g + j.GetHashCode() + (long)l;
                await t;
                return sum;
            }

            public static async Task<long> BigStructParameter(Big big, Task t)
            {
                await t;
                return big.A + big.P;
            }

            public static async Task<T> Generic<T>(T value, Task t)
            {
                await t;
                return value;
            }

            public static async Task<int> GenericStructConstrained<T>(List<T> items, Task t) where T : struct
            {
                var count = items.Count;
                await t;
                return count;
            }

            public static async ValueTask ValueTaskMethod(ValueTask<int> v, CancellationToken ct)
            {
                var x = await v;
                await Task.Delay(x, ct);
            }

            public static async ValueTask<Quote> ValueTaskOfStruct(Task<Quote> load)
            {
                var q = await load;
                await Task.Yield();
                return q;
            }

            public static async ValueTask<string> ValueTaskOfReference(ValueTask<string> load, ValueTask<int> other)
            {
                var s = await load;
                var n = await other;
                return s + n;
            }

            public static async Task UsingAcrossAwait(Func<Task> work)
            {
                using (var ms = new MemoryStream())
                {
                    await work();
                    ms.WriteByte(1);
                }
            }

            public static async Task UsingDeclarationAcrossAwait(Task t)
            {
                using var ms = new MemoryStream();
                await t;
            }

            public static async Task<int> ForeachListAcrossAwait(List<int> items, Func<int, Task> work)
            {
                var total = 0;
                foreach (var item in items)
                {
                    await work(item);
                    total += item;
                }

                return total;
            }

            public static async Task ForeachDictionaryAcrossAwait(Dictionary<string, Quote> items, Func<string, Task> work)
            {
                foreach (var pair in items)
                {
                    await work(pair.Key);
                    Console.WriteLine(pair.Value.Price);
                }
            }

            public static async Task<int> AwaitInsideExpression(int x, Task<int> y, Task<long> z)
            {
                var local = x * 2;
                return local + await y + (int)Math.Max(x, await z);
            }

            public static async Task TryCatchFinallyWithAwaits(Func<Task> work)
            {
                try
                {
                    await work();
                }
                catch (InvalidOperationException e)
                {
                    await work();
                    Console.WriteLine(e.Message);
                }
                finally
                {
                    await work();
                }
            }

            public async Task ConfigureAwaitFalse(Task<int> a, Task b)
            {
                var x = await a.ConfigureAwait(false);
                await b.ConfigureAwait(false);
                await stream.FlushAsync().ConfigureAwait(false);
                counter += x;
            }

            public static async Task MixedAwaiters(Task<int> a, ValueTask b, ValueTask<Guid> c, Task d)
            {
                await a;
                await b;
                await c;
                await d;
                await Task.Yield();
                await a.ConfigureAwait(false);
            }

            public static async Task LoopWithLiveCounter(Task t, Quote q)
            {
                for (var i = 0; i < 10; i++)
                {
                    var before = q;
                    await t;
                    Console.WriteLine(before.Qty + i);
                }
            }

            public static async Task ScopesReuseFields(Task t)
            {
                {
                    var a = Guid.NewGuid();
                    await t;
                    Console.WriteLine(a);
                }
                {
                    var b = Guid.NewGuid();
                    await t;
                    Console.WriteLine(b);
                }
            }

            public static async Task<int> LocalFunctionHost(Task t, int seed)
            {
                return await Compute(seed);

                async Task<int> Compute(int s)
                {
                    var q = new Quote { Qty = s };
                    await t;
                    return q.Qty;
                }
            }

            public static Func<Task<long>> LambdaHost(Task t)
            {
                return async () =>
                {
                    var m = new Mixed { Value = 3 };
                    await t;
                    return m.Value;
                };
            }

            public static async Task ClosureAcrossAwait(Task t)
            {
                var n = 3;
                await t;
                Func<int> f = () => n;
                Console.WriteLine(f());
            }

            public static async Task DeconstructionAndPatterns(Task<(int, long)> t, object o)
            {
                var (a, b) = await t;
                if (o is Quote q)
                {
                    await Task.Yield();
                    Console.WriteLine(q.Qty + a + b);
                }
            }

            public static async void AsyncVoid(Task t, Mixed m)
            {
                await t;
                Console.WriteLine(m.Name);
            }

            public static async Task NullableAndTuples(Task t, int? maybe, (long, byte) pair, KeyValuePair<int, string> kv)
            {
                DateTimeOffset now = DateTimeOffset.UtcNow;
                await t;
                Console.WriteLine(maybe.GetValueOrDefault() + pair.Item1 + kv.Key + now.Offset.Ticks);
            }

            [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
            public static async ValueTask<decimal> PoolingBuilder(Task t, decimal d)
            {
                await t;
                return d;
            }

            public static async Task ConditionalAwait(bool c, int y, Task<int> a)
            {
                Console.WriteLine(y + (c ? await a : 1));
            }

            public static async Task AwaitUsingAndForeachAsync(IAsyncEnumerable<int> items, Func<Task> work)
            {
                await using (var ms = new MemoryStream())
                {
                    await foreach (var item in items)
                    {
                        await work();
                        ms.WriteByte((byte)item);
                    }
                }
            }
        }

        public class MoreShapes
        {
            private readonly Dictionary<string, int> cache = new();

            public static async Task<decimal> StructReassignedAfterAwait(Task t)
            {
                var quote = new Quote { Price = 1 };
                Console.WriteLine(quote.Price);
                await t;
                quote = new Quote { Price = 2 };
                return quote.Price;
            }

            public static async Task<string> InterpolationWithAwaits(int id, Task<string> name, Task<int> count)
            {
                var label = "order";
                return $"{label} {id}: {await name} x{await count}";
            }

            public static async Task<string> ShortInterpolationWithAwait(int id, Task<string> name)
            {
                var label = "order";
                return $"{label} {id}: {await name}";
            }

            public static async Task<string> StringConcatenationWithAwait(string prefix, Task<string> name)
            {
                return prefix + await name;
            }

            public static async Task<int> SwitchExpressionWithAwait(Mode mode, Task<int> a, Task<int> b)
            {
                var bias = 3;
                return bias + mode switch
                {
                    Mode.A => await a,
                    _ => await b,
                };
            }

            public async Task<int> IndexerAssignmentWithAwait(string key, Task<int> value)
            {
                cache[key] = await value;
                return cache.Count;
            }

            public static async Task<int?> NullConditionalAndCoalesce(string? text, Task<int?> fallback)
            {
                var length = text?.Length;
                return length ?? await fallback;
            }

            public static async Task<long> WhileAwaitInCondition(Func<Task<bool>> more, Quote q)
            {
                long total = 0;
                var scratch = q;
                while (await more())
                {
                    total += scratch.Ticks;
                    scratch.Ticks++;
                }

                return total;
            }

            public static async Task<int> NestedLoopsAndScopes(List<List<int>> rows, Func<int, Task> work)
            {
                var sum = 0;
                foreach (var row in rows)
                {
                    for (var i = 0; i < row.Count; i++)
                    {
                        var cell = row[i];
                        await work(cell);
                        sum += cell + i;
                    }
                }

                return sum;
            }

            public static async Task<long> ForeachArrayAndString(long[] values, string text, Func<Task> work)
            {
                long sum = 0;
                foreach (var value in values)
                {
                    await work();
                    sum += value;
                }

                foreach (var c in text)
                {
                    await work();
                    sum += c;
                }

                return sum;
            }

            public static async ValueTask<(int, Guid)> TupleResult(Task<int> a, Guid id)
            {
                var n = await a;
                return (n, id);
            }
        }

        public struct Counter
        {
            public long Total;
            public Quote Last;

            public async Task StructInstanceMethod(Task t)
            {
                await t;
                Total++;
            }
        }
        """;

    private static readonly Lazy<CompiledStateMachines> Release = new(() => CompiledStateMachines.Compile(Samples, OptimizationLevel.Release));

    public static TheoryData<string> SampleMethods()
    {
        var data = new TheoryData<string>();
        foreach (var machine in Release.Value.Machines)
        {
            data.Add(machine.MethodName);
        }

        return data;
    }

    [Fact]
    public void The_samples_cover_at_least_twenty_state_machines()
    {
        Assert.True(Release.Value.Machines.Count >= 20, Release.Value.Machines.Count + " state machines");
        Assert.All(Release.Value.Machines, m => Assert.False(m.IsClass));
    }

    [Theory]
    [MemberData(nameof(SampleMethods))]
    public void Release_estimate_is_within_ten_percent_of_the_runtime_size(string method)
    {
        var compiled = Release.Value;
        var machine = compiled.Machines.Single(m => m.MethodName == method);
        var function = compiled.FindFunction(machine);
        var model = compiled.Compilation.GetSemanticModel(function.SyntaxTree);

        var estimate = StateMachineEstimator.Estimate(function, model);

        Assert.NotNull(estimate);
        Assert.False(estimate.IsClass);
        var error = Math.Abs(estimate.TotalBytes - machine.Bytes) / (double)machine.Bytes;
        Assert.True(
            error <= Tolerance,
            $"estimate {estimate.TotalBytes} vs runtime {machine.Bytes} ({error:P0})\nestimated: {string.Join(", ", estimate.Fields)}\nruntime:   {machine.Describe()}");
    }

    [Fact]
    public void Debug_builds_are_recognised_as_classes_that_hoist_every_local()
    {
        var compiled = CompiledStateMachines.Compile(Samples, OptimizationLevel.Debug);
        var machine = compiled.Machines.Single(m => m.MethodName == "StructLocalDeadBeforeAwait");
        var function = compiled.FindFunction(machine);
        var model = compiled.Compilation.GetSemanticModel(function.SyntaxTree);

        var estimate = StateMachineEstimator.Estimate(function, model);

        Assert.True(machine.IsClass);
        Assert.NotNull(estimate);
        Assert.True(estimate.IsClass);
        Assert.Contains(estimate.Fields, f => f.Name == "quote" && f.Kind == HoistedFieldKind.Local);
        Assert.Contains(machine.Fields, f => f.Name.Contains("quote", StringComparison.Ordinal));
        Assert.InRange(estimate.FieldBytes, machine.Bytes * 0.9, machine.Bytes * 1.1);
    }
}
