using Verify = TailGuard.Analyzers.Tests.CSharpAnalyzerVerifier<TailGuard.Analyzers.LargeObjectHeapAllocationAnalyzer>;

namespace TailGuard.Analyzers.Tests.Rules;

public sealed class LargeObjectHeapAllocationAnalyzerTests
{
    [Fact]
    public async Task Large_byte_array_in_async_method_is_reported_on_the_creation()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.IO;
            using System.Threading.Tasks;
            class Copier
            {
                public async Task CopyAsync(Stream from, Stream to)
                {
                    var buffer = {|TG4001:new byte[1 << 20]|};
                    int read;
                    while ((read = await from.ReadAsync(buffer, 0, buffer.Length)) > 0)
                        await to.WriteAsync(buffer, 0, read);
                }
            }
            """);
    }

    [Fact]
    public async Task Message_gives_the_estimated_size()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            class Copier
            {
                public async Task RunAsync()
                {
                    await Task.Yield();
                    _ = new byte[1024 * 1024];
                }
            }
            """,
            Verify.Diagnostic("TG4001").WithSpan(7, 13, 7, 34).WithArguments("new byte[1024 * 1024]", "1,048,600"));
    }

    [Fact]
    public async Task Threshold_includes_the_array_header()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            class Buffers
            {
                public async Task RunAsync()
                {
                    await Task.Yield();
                    var under = new byte[84_975];
                    var over = {|TG4001:new byte[84_976]|};
                    var doublesUnder = new double[10_621];
                    var doublesOver = {|TG4001:new double[10_622]|};
                }
            }
            """);
    }

    [Fact]
    public async Task Constant_fields_locals_and_expressions_are_evaluated()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            class Buffers
            {
                const int Size = 64 * 1024;
                public async Task RunAsync()
                {
                    await Task.Yield();
                    const int count = 50_000;
                    var a = {|TG4001:new int[Size]|};
                    var b = {|TG4001:new long[count]|};
                    var c = {|TG4001:new object[count / 2]|};
                    var d = new char[Size / 2];
                }
            }
            """);
    }

    [Fact]
    public async Task Multi_dimensional_arrays_multiply_their_lengths()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            class Grid
            {
                public async Task RunAsync()
                {
                    await Task.Yield();
                    var small = new int[100, 212];
                    var large = {|TG4001:new int[100, 213]|};
                }
            }
            """);
    }

    [Fact]
    public async Task Struct_element_sizes_include_alignment()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Runtime.InteropServices;
            using System.Threading.Tasks;
            struct Padded { public byte Flag; public long Value; }
            struct Packed { public byte A; public byte B; }
            [StructLayout(LayoutKind.Explicit)] struct Union { [FieldOffset(0)] public long L; [FieldOffset(0)] public int I; }
            enum Small : byte { A }
            class Grid
            {
                public async Task RunAsync()
                {
                    await Task.Yield();
                    var padded = {|TG4001:new Padded[5_400]|};
                    var packed = new Packed[40_000];
                    var unions = {|TG4001:new Union[10_700]|};
                    var enums = new Small[80_000];
                    var guids = {|TG4001:new Guid[5_400]|};
                    var pairs = {|TG4001:new (int, string)[5_400]|};
                    var nullable = new int?[10_000];
                }
            }
            """);
    }

    [Fact]
    public async Task Async_lambda_and_async_local_function_are_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            class Handlers
            {
                public static readonly Func<Task> Handler = async () =>
                {
                    await Task.Yield();
                    var buffer = {|TG4001:new byte[100_000]|};
                };

                public Task RunAsync()
                {
                    return Local();
                    async Task Local()
                    {
                        await Task.Yield();
                        var buffer = {|TG4001:new byte[100_000]|};
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Static_field_initializers_and_sync_code_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            class Buffers
            {
                static readonly byte[] Shared = new byte[1 << 20];
                readonly byte[] _instance = new byte[1 << 20];
                public byte[] Make() => new byte[1 << 20];
                public async Task RunAsync()
                {
                    await Task.Yield();
                    Func<byte[]> factory = () => new byte[1 << 20];
                    byte[] Local() => new byte[1 << 20];
                }
            }
            """);
    }

    [Fact]
    public async Task Non_constant_lengths_small_arrays_and_unknown_element_sizes_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            class Buffers
            {
                public async Task RunAsync<T>(int n) where T : struct
                {
                    await Task.Yield();
                    var dynamic = new byte[n];
                    var small = new byte[4096];
                    var generic = new T[100_000];
                    var literal = new byte[] { 1, 2, 3 };
                }
            }
            """);
    }

    [Fact]
    public async Task Minimum_size_is_configurable()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            class Buffers
            {
                public async Task RunAsync()
                {
                    await Task.Yield();
                    var buffer = {|TG4001:new byte[40_000]|};
                    var small = new byte[30_000];
                }
            }
            """, editorConfig: "TG4001.min_bytes = 32000");
    }

    [Fact]
    public async Task Half_typed_code_does_not_throw()
    {
        var test = new Verify.Test
        {
            TestCode = """
                using System.Threading.Tasks;
                class Buffers
                {
                    public async Task RunAsync()
                    {
                        await Task.Yield();
                        var a = new {|CS0246:Missing|}[100_000];
                        var b = new byte[{|CS0103:Unknown|}];
                    }
                }
                """,
        };
        await test.RunAsync();
    }
}
