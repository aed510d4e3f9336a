using Verify = TailGuard.Analyzers.Tests.CSharpAnalyzerVerifier<TailGuard.Analyzers.InducedGarbageCollectionAnalyzer>;

namespace TailGuard.Analyzers.Tests.Rules;

public sealed class InducedGarbageCollectionAnalyzerTests
{
    [Fact]
    public async Task GcCollect_in_service_code_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            class Cache
            {
                public void Trim() => {|TG4002:GC.Collect()|};
                public void Compact() => {|TG4002:GC.Collect(2, GCCollectionMode.Forced, blocking: true)|};
            }
            """);
    }

    [Fact]
    public async Task WaitForPendingFinalizers_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            class Cache
            {
                public void Drain() => {|TG4002:GC.WaitForPendingFinalizers()|};
            }
            """);
    }

    [Fact]
    public async Task Other_GC_members_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            class Cache
            {
                public long Size() => GC.GetTotalMemory(false) + GC.CollectionCount(2);
                public void Keep(object o) => GC.KeepAlive(o);
            }
            """);
    }

    [Fact]
    public async Task Test_methods_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using Xunit;
            namespace Xunit { public sealed class FactAttribute : Attribute { } }
            public class CacheTests
            {
                [Fact]
                public void Finalizer_runs()
                {
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                }
            }
            """);
    }

    [Fact]
    public async Task Test_methods_are_reported_when_test_code_is_not_excluded()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using Xunit;
            namespace Xunit { public sealed class FactAttribute : Attribute { } }
            public class CacheTests
            {
                [Fact]
                public void Finalizer_runs() => {|TG4002:GC.Collect()|};
            }
            """, editorConfig: "tailguard.exclude_test_code = false");
    }
}
