using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TailGuard.Analyzers.StateMachines;
using TailGuard.Analyzers.Tests.Robustness;

namespace TailGuard.Analyzers.Tests.StateMachines;

/// <summary>
/// TG3001 and TG3002 skip the control-flow estimate when the cheap bound says they cannot report, so the bound must never be
/// below the estimate: checked on every async function of every snippet the analyzer tests use, the accuracy samples and the
/// precision corpus, in Release and in Debug.
/// </summary>
public sealed class StateMachineBoundTests
{
    public static TheoryData<string> Sources()
    {
        var data = new TheoryData<string>();
        foreach (var file in TestSnippets.SourceFiles())
        {
            if (!file.EndsWith("StateMachineBoundTests.cs", StringComparison.Ordinal))
            {
                data.Add(file);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void The_bound_is_never_below_the_estimate_in_the_snippets_of(string file)
    {
        foreach (var snippet in TestSnippets.FromFile(file))
        {
            AssertBoundHolds(snippet);
        }
    }

    [Fact]
    public void The_bound_is_never_below_the_estimate_in_the_accuracy_samples()
        => Assert.True(AssertBoundHolds(StateMachineSizeAccuracyTests.Samples) >= 40);

    [Fact]
    public void The_bound_is_never_below_the_estimate_in_the_precision_corpus()
    {
        var directory = Path.Combine(TestSnippets.TestsDirectory, "Precision", "Corpus");
        var checkedFunctions = Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories)
            .Sum(path => AssertBoundHolds(File.ReadAllText(path)));
        Assert.True(checkedFunctions >= 100, checkedFunctions + " functions");
    }

    [Fact]
    public void The_bound_holds_for_awaits_inside_expressions_that_spill()
    {
        const string source = """
            using System;
            using System.Collections.Generic;
            using System.IO;
            using System.Threading;
            using System.Threading.Tasks;

            struct Big { public long A, B, C, D, E, F, G, H; public int Value; }
            sealed class Item { public int Count; public Big Big; public List<int> List = new(); }

            class C
            {
                int[] values = new int[4];
                Item item = new();
                Big big;

                static Task<int> Get(int i) => Task.FromResult(i);
                static int Sum(int a, long b, decimal c, int d) => a;

                async Task<int> Arguments(int x, long y, decimal z) => Sum(x + 1, y * 2, z / 3, await Get(x));
                async Task Indexer(int i) => values[i + 1] += await Get(i);
                async Task Field() => item.Big.Value = await Get(1);
                async Task StructReceiver() => big.Value += await Get(2);
                async Task<string> Interpolated(int a, long b, object c, Guid d) => $"{a} {b} {c} {d} {await Get(a)} {a}";
                async Task<Item> Initializer(int i) => new Item { Count = i, List = { i, await Get(i), i } };
                async Task<int> Conditional(int? i, Item? maybe) => (maybe?.Count ?? i ?? 0) + (i > 0 ? await Get(i.Value) : await Get(0));
                async Task<(int, long)> Tuple(long l) => (await Get(1), l + await Get(2));
                async Task<int> Switch(object o)
                {
                    switch (o)
                    {
                        case int n when await Get(n) > 0: return n;
                        case string s: await Task.Yield(); return s.Length;
                        default: return 0;
                    }
                }
                async Task<int> Loops(int[] array, List<Big> list, string text, IAsyncEnumerable<Big> stream, CancellationToken ct)
                {
                    var total = 0;
                    foreach (var v in array) { total += await Get(v); }
                    foreach (var b in list) { total += await Get(b.Value); }
                    foreach (var ch in text) { total += await Get(ch); }
                    await foreach (var b in stream.WithCancellation(ct).ConfigureAwait(false)) { total += b.Value; }
                    await using (var stream2 = new MemoryStream()) { await stream2.FlushAsync(ct); }
                    await using var file = new MemoryStream().ConfigureAwait(false);
                    using (var reader = new StringReader(text)) { total += await Get(reader.Peek()); }
                    try { total += await Get(1); }
                    catch (Exception e) when (e is not OperationCanceledException) { await Task.Delay(1, ct); throw; }
                    finally { await Task.Yield(); }
                    return total;
                }
                async Task<int> Closures(int x)
                {
                    var a = x;
                    Func<int> f = () => a + x;
                    await Task.Yield();
                    { var b = a; Func<int> g = () => b; await Task.Yield(); return f() + g(); }
                }
            }
            """;

        Assert.Equal(11, AssertBoundHolds(source));
    }

    [Fact]
    public void A_typical_request_handler_is_bounded_well_under_the_default_budget()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Net.Http;
            using System.Threading;
            using System.Threading.Tasks;

            sealed record Order(int Id, string Customer, decimal Total);
            interface IRepository { Task<Order?> FindAsync(int id, CancellationToken ct); Task SaveAsync(Order order, CancellationToken ct); }

            sealed class OrderService(IRepository repository, HttpClient http)
            {
                public async Task<Order?> ConfirmAsync(int id, string note, CancellationToken ct)
                {
                    var order = await repository.FindAsync(id, ct).ConfigureAwait(false);
                    if (order is null)
                    {
                        return null;
                    }

                    var response = await http.PostAsync("/confirm/" + id, new StringContent(note), ct).ConfigureAwait(false);
                    response.EnsureSuccessStatusCode();
                    var confirmed = order with { Total = order.Total * 1.2m };
                    await repository.SaveAsync(confirmed, ct).ConfigureAwait(false);
                    return confirmed;
                }
            }
            """;
        var (tree, model) = Compile(source);
        var function = tree.GetRoot().DescendantNodes().First(StateMachineEstimator.IsAsyncFunctionSyntax);

        var bound = StateMachineEstimator.BoundShared(function, model);

        Assert.NotNull(bound);
        Assert.InRange(bound.MaxTotalBytes(OptimizationLevel.Release), 1, StateMachineSizeAnalyzer.DefaultMaxStateMachineBytes);
        Assert.True(bound.LargestStructBytes < LargeStructHoistedAnalyzer.DefaultMinStructBytes);
    }

    /// <returns>How many functions had both a bound and an estimate.</returns>
    private static int AssertBoundHolds(string source)
    {
        var (tree, model) = Compile(source);
        var checkedFunctions = 0;
        foreach (var function in tree.GetRoot().DescendantNodes().Where(StateMachineEstimator.IsAsyncFunctionSyntax))
        {
            var bound = StateMachineBound.Compute(function, model, CancellationToken.None);
            foreach (var optimization in new[] { OptimizationLevel.Release, OptimizationLevel.Debug })
            {
                var estimate = StateMachineEstimator.Estimate(function, model, optimization);
                if (estimate is null)
                {
                    continue;
                }

                Assert.True(bound is not null, $"no bound for a function with an estimate:\n{function}");
                Assert.True(
                    bound.MaxTotalBytes(optimization) >= estimate.TotalBytes,
                    $"{optimization}: bound {bound.MaxTotalBytes(optimization)} < estimate {estimate.TotalBytes} ({string.Join(", ", estimate.Fields)}) for\n{function}");
                foreach (var field in estimate.Fields.Where(f => f.Kind is HoistedFieldKind.Parameter or HoistedFieldKind.Local))
                {
                    foreach (var symbol in field.Symbols)
                    {
                        var type = symbol switch
                        {
                            IParameterSymbol parameter => parameter.Type,
                            ILocalSymbol local => local.Type,
                            _ => null,
                        };
                        if (type is { TypeKind: TypeKind.Struct })
                        {
                            Assert.True(
                                bound.LargestStructBytes >= TypeLayout.SizeOf(type).Bytes,
                                $"struct '{symbol.Name}' ({TypeLayout.SizeOf(type).Bytes} bytes) above the bound {bound.LargestStructBytes} in\n{function}");
                        }
                    }
                }

                checkedFunctions++;
            }
        }

        return checkedFunctions / 2;
    }

    private static (SyntaxTree Tree, SemanticModel Model) Compile(string source)
    {
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Preview));
        var compilation = CSharpCompilation.Create(
            "bound",
            new[] { tree },
            TestReferences.Net100.AddRange(TestReferences.AspNetCore),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
        return (tree, compilation.GetSemanticModel(tree));
    }
}
