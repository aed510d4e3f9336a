using Verify = TailGuard.Analyzers.Tests.CSharpCodeFixVerifier<TailGuard.Analyzers.ParallelLoopInAsyncContextAnalyzer, TailGuard.CodeFixes.ParallelLoopFixer>;

namespace TailGuard.Analyzers.Tests.Rules;

public sealed class ParallelLoopFixerTests
{
    [Fact]
    public async Task Parallel_ForEach_with_a_block_body_becomes_an_awaited_ForEachAsync()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.Collections.Generic;
            using System.Threading.Tasks;
            class Importer
            {
                public async Task ImportAsync(List<string> files)
                {
                    await Task.Yield();
                    {|TG1005:Parallel.ForEach|}(files, file =>
                    {
                        if (file.Length == 0)
                        {
                            return;
                        }

                        Load(file);
                    });
                }

                private static void Load(string file) { }
            }
            """, """
            using System.Collections.Generic;
            using System.Threading.Tasks;
            class Importer
            {
                public async Task ImportAsync(List<string> files)
                {
                    await Task.Yield();
                    await Parallel.ForEachAsync(files, (file, ct) =>
                    {
                        if (file.Length == 0)
                        {
                            return ValueTask.CompletedTask;
                        }

                        Load(file);
                        return ValueTask.CompletedTask;
                    });
                }

                private static void Load(string file) { }
            }
            """);
    }

    [Fact]
    public async Task The_methods_cancellation_token_is_passed_and_the_lambda_parameter_does_not_shadow_it()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Importer
            {
                public async Task ImportAsync(string[] files, CancellationToken ct)
                {
                    await Task.Yield();
                    {|TG1005:Parallel.ForEach|}(files, file => Load(file, ct));
                }

                private static void Load(string file, CancellationToken ct) { }
            }
            """, """
            using System.Threading;
            using System.Threading.Tasks;
            class Importer
            {
                public async Task ImportAsync(string[] files, CancellationToken ct)
                {
                    await Task.Yield();
                    await Parallel.ForEachAsync(files, ct, (file, cancellationToken) =>
                    {
                        Load(file, ct);
                        return ValueTask.CompletedTask;
                    });
                }

                private static void Load(string file, CancellationToken ct) { }
            }
            """);
    }

    [Fact]
    public async Task ParallelOptions_are_passed_through()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.Threading.Tasks;
            class Importer
            {
                public async Task ImportAsync(string[] files)
                {
                    await Task.Yield();
                    {|TG1005:Parallel.ForEach|}(files, new ParallelOptions { MaxDegreeOfParallelism = 4 }, file => Load(file));
                }

                private static void Load(string file) { }
            }
            """, """
            using System.Threading.Tasks;
            class Importer
            {
                public async Task ImportAsync(string[] files)
                {
                    await Task.Yield();
                    await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 4 }, (file, ct) =>
                    {
                        Load(file);
                        return ValueTask.CompletedTask;
                    });
                }

                private static void Load(string file) { }
            }
            """);
    }

    [Fact]
    public async Task A_method_group_body_is_called_from_a_new_lambda()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.Threading.Tasks;
            class Importer
            {
                public async Task ImportAsync(string[] files)
                {
                    await Task.Yield();
                    {|TG1005:Parallel.ForEach|}(files, Load);
                }

                private static void Load(string file) { }
            }
            """, """
            using System.Threading.Tasks;
            class Importer
            {
                public async Task ImportAsync(string[] files)
                {
                    await Task.Yield();
                    await Parallel.ForEachAsync(files, (item, ct) =>
                    {
                        Load(item);
                        return ValueTask.CompletedTask;
                    });
                }

                private static void Load(string file) { }
            }
            """);
    }

    [Fact]
    public async Task An_async_void_body_becomes_an_awaited_async_body()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.Threading.Tasks;
            class Importer
            {
                public async Task ImportAsync(string[] files)
                {
                    await Task.Yield();
                    {|TG1005:Parallel.ForEach|}(files, async file => await LoadAsync(file));
                }

                private static Task LoadAsync(string file) => Task.CompletedTask;
            }
            """, """
            using System.Threading.Tasks;
            class Importer
            {
                public async Task ImportAsync(string[] files)
                {
                    await Task.Yield();
                    await Parallel.ForEachAsync(files, async (file, ct) => await LoadAsync(file));
                }

                private static Task LoadAsync(string file) => Task.CompletedTask;
            }
            """);
    }

    [Fact]
    public async Task An_explicitly_typed_parameter_gets_a_typed_token_parameter()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.Threading.Tasks;
            class Importer
            {
                public async Task ImportAsync(string[] files)
                {
                    await Task.Yield();
                    {|TG1005:Parallel.ForEach|}(files, (string file) => { throw new System.InvalidOperationException(file); });
                }
            }
            """, """
            using System.Threading;
            using System.Threading.Tasks;
            class Importer
            {
                public async Task ImportAsync(string[] files)
                {
                    await Task.Yield();
                    await Parallel.ForEachAsync(files, (string file, CancellationToken ct) => { throw new System.InvalidOperationException(file); });
                }
            }
            """);
    }

    [Fact]
    public async Task Parallel_For_becomes_an_awaited_ForAsync()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.Threading.Tasks;
            class Scorer
            {
                private readonly int[] _scores = new int[100];
                public async Task ScoreAsync()
                {
                    await Task.Yield();
                    {|TG1005:Parallel.For|}(0, _scores.Length, i => _scores[i] = i * 2);
                }
            }
            """, """
            using System.Threading.Tasks;
            class Scorer
            {
                private readonly int[] _scores = new int[100];
                public async Task ScoreAsync()
                {
                    await Task.Yield();
                    await Parallel.ForAsync(0, _scores.Length, (i, ct) =>
                    {
                        _scores[i] = i * 2;
                        return ValueTask.CompletedTask;
                    });
                }
            }
            """);
    }

    [Fact]
    public async Task An_expression_bodied_async_method_is_fixed()
    {
        await Verify.VerifyCodeFixAsync("""
            using System.Threading.Tasks;
            class Importer
            {
                public async Task ImportAsync(string[] files) => {|TG1005:Parallel.ForEach|}(files, Load);

                private static void Load(string file) { }
            }
            """, """
            using System.Threading.Tasks;
            class Importer
            {
                public async Task ImportAsync(string[] files) => await Parallel.ForEachAsync(files, (item, ct) =>
                {
                    Load(item);
                    return ValueTask.CompletedTask;
                });

                private static void Load(string file) { }
            }
            """);
    }

    [Fact]
    public async Task Fix_all_rewrites_every_parallel_loop_in_the_document()
    {
        await Verify.VerifyFixAllAsync("""
            using System.Threading.Tasks;
            class Importer
            {
                public async Task ImportAsync(string[] files, string[] images)
                {
                    await Task.Yield();
                    {|TG1005:Parallel.ForEach|}(files, Load);
                    {|TG1005:Parallel.ForEach|}(images, Load);
                }

                private static void Load(string file) { }
            }
            """, """
            using System.Threading.Tasks;
            class Importer
            {
                public async Task ImportAsync(string[] files, string[] images)
                {
                    await Task.Yield();
                    await Parallel.ForEachAsync(files, (item, ct) =>
                    {
                        Load(item);
                        return ValueTask.CompletedTask;
                    });
                    await Parallel.ForEachAsync(images, (item, ct) =>
                    {
                        Load(item);
                        return ValueTask.CompletedTask;
                    });
                }

                private static void Load(string file) { }
            }
            """);
    }

    [Fact]
    public async Task No_await_is_offered_inside_a_lock_statement()
    {
        await Verify.VerifyNoCodeFixAsync("""
            using System.Threading.Tasks;
            class Importer
            {
                private readonly object _gate = new();
                public async Task ImportAsync(string[] files)
                {
                    await Task.Yield();
                    lock (_gate)
                    {
                        {|TG1005:Parallel.ForEach|}(files, file => { });
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task No_await_is_offered_inside_a_Monitor_or_Lock_region()
    {
        await Verify.VerifyNoCodeFixAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class Importer
            {
                private readonly object _gate = new();
                private readonly Lock _lock = new();
                public async Task ImportAsync(string[] files)
                {
                    await Task.Yield();
                    Monitor.Enter(_gate);
                    try
                    {
                        {|TG1005:Parallel.ForEach|}(files, file => { });
                    }
                    finally
                    {
                        Monitor.Exit(_gate);
                    }

                    using (_lock.EnterScope())
                    {
                        {|TG1005:Parallel.ForEach|}(files, file => { });
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Loops_that_cannot_be_converted_get_no_fix()
    {
        await Verify.VerifyNoCodeFixAsync("""
            using System.Collections.Concurrent;
            using System.Linq;
            using System.Threading.Tasks;
            class Importer
            {
                public async Task<bool> ImportAsync(string[] files)
                {
                    await Task.Yield();
                    {|TG1005:Parallel.ForEach|}(files, (file, state) => state.Stop());
                    {|TG1005:Parallel.ForEach|}(Partitioner.Create(0, 10), range => { });
                    {|TG1005:Parallel.Invoke|}(() => { }, () => { });
                    var count = files.AsParallel().{|TG1005:Count|}();
                    var result = {|TG1005:Parallel.ForEach|}(files, file => { });
                    return result.IsCompleted && count > 0;
                }
            }
            """);
    }
}
