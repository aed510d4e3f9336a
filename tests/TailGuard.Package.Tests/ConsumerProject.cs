namespace TailGuard.Package.Tests;

/// <summary>
/// A fresh console project, as a user would write it, that references TailGuard.Analyzers from a local folder feed.
/// Each snippet is keyed by the rule it must trigger; the test expects every key whose rule exists in the analyzer assembly,
/// so a rule that lands later is checked here without touching this file.
/// </summary>
internal static class ConsumerProject
{
    public const string ProjectName = "Consumer";

    public static IReadOnlyDictionary<string, string> RuleSnippets { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["TG1001"] = """
            public sealed class QuoteClient
            {
                public int Latest(Task<int> pending) => pending.Result;
            }
            """,
        ["TG1002"] = """
            public sealed class Poller
            {
                public async Task PollAsync()
                {
                    Thread.Sleep(100);
                    await Task.Yield();
                }
            }
            """,
        ["TG1003"] = """
            public sealed class ConfigLoader
            {
                public async Task<string> LoadAsync(string path)
                {
                    await Task.Yield();
                    return File.ReadAllText(path);
                }
            }
            """,
        ["TG1004"] = """
            public sealed class QueueWorker
            {
                private readonly BlockingCollection<string> _queue = new();

                public Task Start() => Task.Run(() =>
                {
                    foreach (var item in _queue.GetConsumingEnumerable())
                    {
                        Console.WriteLine(item);
                    }
                });
            }
            """,
        ["TG1005"] = """
            public sealed class Indexer
            {
                public async Task IndexAsync(int[] ids)
                {
                    await Task.Yield();
                    Parallel.ForEach(ids, id => Console.WriteLine(id));
                }
            }
            """,
        ["TG1006"] = """
            public sealed class Ledger
            {
                private readonly object _gate = new();

                public void Flush(Task pending)
                {
                    lock (_gate)
                    {
                        pending.Wait();
                    }
                }
            }
            """,
        ["TG2001"] = """
            public sealed class Scorer
            {
                public async Task<long> ScoreAsync(CancellationToken ct)
                {
                    await Task.Yield();
                    long score = 0;
                    while (!ct.IsCancellationRequested)
                    {
                        score += Environment.TickCount64 % 7;
                    }

                    return score;
                }
            }
            """,
        ["TG2002"] = """
            public sealed class ReadyGate
            {
                private volatile bool _ready;

                public void Open() => _ready = true;

                public void WaitUntilReady() => SpinWait.SpinUntil(() => _ready);
            }
            """,
        // The consumer's .editorconfig lowers the budget below any real state machine, so this one is over it.
        ["TG3001"] = """
            public sealed class Pricing
            {
                public async Task<decimal> TotalAsync(decimal price, int quantity)
                {
                    await Task.Yield();
                    return price * quantity;
                }
            }
            """,
        ["TG3002"] = """
            public struct Envelope
            {
                public long A, B, C, D, E, F, G, H, I, J;
            }

            public sealed class Mailer
            {
                public async Task<long> SendAsync(Envelope envelope)
                {
                    await Task.Yield();
                    return envelope.A + envelope.J;
                }
            }
            """,
        ["TG3003"] = """
            public sealed class Forwarder
            {
                public async Task<int> ForwardAsync(Task<int> inner)
                {
                    return await inner;
                }
            }
            """,
        ["TG4001"] = """
            public sealed class Buffers
            {
                public async Task<int> FillAsync(Stream source)
                {
                    var buffer = new byte[100_000];
                    return await source.ReadAsync(buffer);
                }
            }
            """,
        ["TG4002"] = """
            public sealed class CacheTrimmer
            {
                public void Trim() => GC.Collect();
            }
            """,
    };

    /// <summary>Writes the project into <paramref name="directory"/>, isolated from anything above it on disk.</summary>
    public static void Write(string directory, string feed, string packagesFolder, string packageVersion)
    {
        Directory.CreateDirectory(directory);

        // Empty MSBuild and editorconfig roots: nothing from the folders above (the temp folder's parents) may leak in.
        File.WriteAllText(Path.Combine(directory, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "Directory.Packages.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, ".editorconfig"), """
            root = true

            [*.cs]
            TG3001.max_state_machine_bytes = 16

            """);

        // The package comes from the local feed only (source mapping), so a package of the same id on the registry can never
        // be picked; the registry stays in the list for anything else a restore may need, as in the repo's NuGet.config.
        File.WriteAllText(Path.Combine(directory, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{packagesFolder}" />
              </config>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="local">
                  <package pattern="TailGuard.*" />
                </packageSource>
                <packageSource key="nuget.org">
                  <package pattern="*" />
                </packageSource>
              </packageSourceMapping>
            </configuration>

            """);

        File.WriteAllText(Path.Combine(directory, ProjectName + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net{Environment.Version.Major}.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="TailGuard.Analyzers" Version="[{packageVersion}]" />
              </ItemGroup>
            </Project>

            """);

        File.WriteAllText(Path.Combine(directory, "Program.cs"), """
            namespace Consumer;

            public static class Program
            {
                public static void Main() => Console.WriteLine("TailGuard consumer");
            }

            """);

        var services = "using System.Collections.Concurrent;\n\nnamespace Consumer;\n\n"
            + string.Join("\n\n", RuleSnippets.Select(pair => "// " + pair.Key + "\n" + pair.Value)) + "\n";
        File.WriteAllText(Path.Combine(directory, "Services.cs"), services);
    }
}
