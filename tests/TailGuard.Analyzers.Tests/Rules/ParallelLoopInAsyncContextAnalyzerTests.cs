using Verify = TailGuard.Analyzers.Tests.CSharpAnalyzerVerifier<TailGuard.Analyzers.ParallelLoopInAsyncContextAnalyzer>;

namespace TailGuard.Analyzers.Tests.Rules;

public sealed class ParallelLoopInAsyncContextAnalyzerTests
{
    [Fact]
    public async Task Parallel_ForEach_in_an_async_method_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Collections.Generic;
            using System.Threading.Tasks;
            class Importer
            {
                public async Task ImportAsync(List<string> files)
                {
                    await Task.Yield();
                    {|#0:Parallel.ForEach|}(files, file => Load(file));
                }
                private static void Load(string file) { }
            }
            """,
            Verify.Diagnostic("TG1005").WithLocation(0).WithArguments("Parallel.ForEach"));
    }

    [Fact]
    public async Task Parallel_For_and_Invoke_in_async_lambdas_and_local_functions_are_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            class Importer
            {
                public Func<Task> Handler => async () =>
                {
                    await Task.Yield();
                    {|TG1005:Parallel.For|}(0, 10, i => { });
                };

                public Task RunAsync()
                {
                    return Local();
                    async Task Local()
                    {
                        await Task.Yield();
                        {|TG1005:Parallel.Invoke|}(() => { }, () => { });
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Executed_PLINQ_queries_in_async_context_are_reported_at_the_executing_operator()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Linq;
            using System.Threading.Tasks;
            class Scorer
            {
                public async Task<int> ScoreAsync(int[] items)
                {
                    await Task.Yield();
                    var list = items.AsParallel().Where(i => i > 0).Select(i => i * 2).{|#0:ToList|}();
                    var sum = items.AsParallel().{|TG1005:Sum|}();
                    var any = items.AsParallel().{|TG1005:Any|}(i => i > 3);
                    var set = items.AsParallel().Select(i => i + 1).{|TG1005:ToHashSet|}();
                    var first = items.AsParallel().AsSequential().Where(i => i > 1).{|TG1005:First|}();
                    items.AsParallel().{|TG1005:ForAll|}(i => { });
                    foreach (var i in {|#1:items.AsParallel().Select(x => x + 1)|})
                    {
                        sum += i;
                    }

                    return list.Count + sum + set.Count + first + (any ? 1 : 0);
                }
            }
            """,
            Verify.Diagnostic("TG1005").WithLocation(0).WithArguments("PLINQ ToList"),
            Verify.Diagnostic("TG1005").WithLocation(1).WithArguments("foreach over a PLINQ query"));
    }

    [Fact]
    public async Task Building_a_PLINQ_query_without_running_it_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Collections.Generic;
            using System.Linq;
            using System.Threading.Tasks;
            class Scorer
            {
                public async Task<IEnumerable<int>> QueryAsync(int[] items)
                {
                    await Task.Yield();
                    var query = items.AsParallel().Where(i => i > 0).WithDegreeOfParallelism(2);
                    return query.AsSequential().Select(i => i + 1);
                }
            }
            """);
    }

    [Fact]
    public async Task Ordinary_LINQ_in_async_context_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Linq;
            using System.Threading.Tasks;
            class Scorer
            {
                public async Task<int> ScoreAsync(int[] items)
                {
                    await Task.Yield();
                    foreach (var i in items.Where(x => x > 0)) { }
                    return items.Where(i => i > 0).Sum() + items.ToList().Count;
                }
            }
            """);
    }

    [Fact]
    public async Task A_sync_lambda_inside_an_async_method_is_not_async_context()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Linq;
            using System.Threading.Tasks;
            class Importer
            {
                public async Task ImportAsync(string[] files)
                {
                    await Task.Run(() => Parallel.ForEach(files, file => { }));
                    await Task.Run(() => files.AsParallel().Count());
                    void Local() => Parallel.For(0, 10, i => { });
                    Local();
                }
            }
            """);
    }

    [Fact]
    public async Task Parallel_loops_outside_async_context_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Linq;
            using System.Threading.Tasks;
            class Importer
            {
                public int Import(string[] files)
                {
                    Parallel.ForEach(files, file => { });
                    Parallel.Invoke(() => { });
                    return files.AsParallel().Count();
                }

                public Task<int> NotAsync(string[] files)
                {
                    Parallel.For(0, files.Length, i => { });
                    return Task.FromResult(0);
                }
            }
            """);
    }

    [Fact]
    public async Task Test_methods_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            using Xunit;
            namespace Xunit { public sealed class FactAttribute : Attribute { } }
            public class ImporterTests
            {
                [Fact]
                public async Task Imports()
                {
                    await Task.Yield();
                    Parallel.For(0, 10, i => { });
                }
            }
            """);
    }

    [Fact]
    public async Task Half_typed_code_never_makes_the_analyzer_throw()
    {
        await TruncatedSource.AssertAnalyzerNeverThrowsAsync(new ParallelLoopInAsyncContextAnalyzer(), """
            using System.Linq;
            using System.Threading.Tasks;
            class Importer
            {
                public async Task<int> ImportAsync(string[] files)
                {
                    await Task.Yield();
                    Parallel.ForEach(files, file => { });
                    Parallel.For(0, files.Length, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i => { });
                    Parallel.Invoke(() => { });
                    foreach (var f in files.AsParallel().AsSequential().Where(x => x.Length > 0)) { }
                    return files.AsParallel().Select(f => f.Length).Sum() + files.AsParallel().ToHashSet().Count;
                }
            }
            """);
    }
}
