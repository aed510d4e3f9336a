using Verify = TailGuard.Analyzers.Tests.CSharpAnalyzerVerifier<TailGuard.Analyzers.LargeStructHoistedAnalyzer>;
using VerifyFix = TailGuard.Analyzers.Tests.CSharpCodeFixVerifier<TailGuard.Analyzers.LargeStructHoistedAnalyzer, TailGuard.CodeFixes.LargeStructHoistedFixer>;

namespace TailGuard.Analyzers.Tests.Rules;

public sealed class LargeStructHoistedAnalyzerTests
{
    private const string Quote = """

        public struct Quote
        {
            public decimal Price;
            public decimal Fee;
            public decimal Tax;
            public long Ticks;
            public System.Guid Id;
            public int Quantity;
        }
        """;

    [Fact]
    public async Task Struct_local_live_across_an_await_is_reported_at_its_declaration()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            public class Pricing
            {
                public async Task<decimal> TotalAsync(Task pending)
                {
                    var {|#0:quote|} = new Quote { Price = 1, Quantity = 2 };
                    await pending;
                    return quote.Price * quote.Quantity;
                }
            }
            """ + Quote,
            Verify.Diagnostic("TG3002").WithLocation(0).WithArguments("quote", "Quote", 80, "it is live across an await"));
    }

    [Fact]
    public async Task Struct_parameter_of_an_async_method_is_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            public class Pricing
            {
                public async Task<decimal> TotalAsync(Quote {|#0:quote|}, Task pending)
                {
                    await pending;
                    return quote.Price;
                }
            }
            """ + Quote,
            Verify.Diagnostic("TG3002").WithLocation(0).WithArguments("quote", "Quote", 80, "async methods copy every parameter they use"));
    }

    [Fact]
    public async Task Struct_local_dead_before_the_first_await_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            public class Pricing
            {
                public async Task<decimal> TotalAsync(Task pending)
                {
                    var quote = new Quote { Price = 1, Quantity = 2 };
                    var total = quote.Price * quote.Quantity;
                    await pending;
                    return total;
                }
            }
            """ + Quote);
    }

    [Fact]
    public async Task Struct_local_reassigned_after_the_await_before_any_read_is_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            public class Pricing
            {
                public async Task<decimal> TotalAsync(Task pending)
                {
                    var quote = new Quote { Price = 1 };
                    System.Console.WriteLine(quote.Price);
                    await pending;
                    quote = new Quote { Price = 2 };
                    return quote.Price;
                }
            }
            """ + Quote);
    }

    [Fact]
    public async Task Small_structs_and_synchronous_methods_are_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            public class Pricing
            {
                public async Task<long> TicksAsync(DateTime when, Guid id, Task pending)
                {
                    var span = TimeSpan.FromSeconds(1);
                    await pending;
                    return when.Ticks + span.Ticks + id.GetHashCode();
                }

                public decimal Total(Quote quote) => quote.Price;
            }
            """ + Quote);
    }

    [Fact]
    public async Task Unused_struct_parameter_is_not_hoisted_and_not_reported()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            public class Pricing
            {
                public async Task WaitAsync(Quote ignored, Task pending) => await pending;
            }
            """ + Quote);
    }

    [Fact]
    public async Task Threshold_is_read_from_editorconfig()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System;
            using System.Threading.Tasks;
            public class Pricing
            {
                public async Task<long> TicksAsync(Guid {|#0:id|}, Task pending)
                {
                    await pending;
                    return id.GetHashCode();
                }
            }
            """,
            editorConfig: "TG3002.min_struct_bytes = 16",
            optimize: true,
            Verify.Diagnostic("TG3002").WithLocation(0).WithArguments("id", "Guid", 16, "async methods copy every parameter they use"));
    }

    [Fact]
    public async Task Debug_builds_still_report_only_locals_live_across_an_await()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            public class Pricing
            {
                public async Task<decimal> TotalAsync(Task pending)
                {
                    var quote = new Quote { Price = 1 };
                    var total = quote.Price;
                    await pending;
                    return total;
                }
            }
            """ + Quote,
            editorConfig: null,
            optimize: false);
    }

    [Fact]
    public async Task Fix_copies_the_fields_used_after_the_await()
    {
        await VerifyFix.VerifyCodeFixAsync("""
            using System.Threading.Tasks;
            public class Pricing
            {
                public async Task<decimal> TotalAsync(Task pending)
                {
                    var {|TG3002:quote|} = new Quote { Price = 1, Quantity = 2 };
                    quote.Fee = 3;
                    // wait for the market
                    await pending;
                    return quote.Price * quote.Quantity + quote.Price;
                }
            }
            """ + Quote, """
            using System.Threading.Tasks;
            public class Pricing
            {
                public async Task<decimal> TotalAsync(Task pending)
                {
                    var quote = new Quote { Price = 1, Quantity = 2 };
                    quote.Fee = 3;
                    // wait for the market
                    var quotePrice = quote.Price;
                    var quoteQuantity = quote.Quantity;
                    await pending;
                    return quotePrice * quoteQuantity + quotePrice;
                }
            }
            """ + Quote);
    }

    [Fact]
    public async Task Fix_all_narrows_every_local_in_the_document()
    {
        await VerifyFix.VerifyFixAllAsync("""
            using System.Threading.Tasks;
            public class Pricing
            {
                public async Task<decimal> FirstAsync(Task pending)
                {
                    var {|TG3002:quote|} = new Quote { Price = 1 };
                    await pending;
                    return quote.Price;
                }

                public async Task<long> SecondAsync(Task pending)
                {
                    var {|TG3002:quote|} = new Quote { Ticks = 1 };
                    while (quote.Ticks < 10)
                    {
                        await pending;
                        quote.Ticks++;
                    }

                    return quote.Ticks;
                }
            }
            """ + Quote, """
            using System.Threading.Tasks;
            public class Pricing
            {
                public async Task<decimal> FirstAsync(Task pending)
                {
                    var quote = new Quote { Price = 1 };
                    var quotePrice = quote.Price;
                    await pending;
                    return quotePrice;
                }

                public async Task<long> SecondAsync(Task pending)
                {
                    var quote = new Quote { Ticks = 1 };
                    var quoteTicks = quote.Ticks;
                    while (quoteTicks < 10)
                    {
                        await pending;
                        quoteTicks++;
                    }

                    return quoteTicks;
                }
            }
            """ + Quote);
    }

    [Fact]
    public async Task Fix_all_handles_two_locals_before_the_same_await()
    {
        await VerifyFix.VerifyFixAllAsync("""
            using System.Threading.Tasks;
            public class Pricing
            {
                public async Task<decimal> SpreadAsync(Task pending)
                {
                    var {|TG3002:bid|} = new Quote { Price = 1 };
                    var {|TG3002:ask|} = new Quote { Price = 2 };
                    await pending;
                    return ask.Price - bid.Price;
                }
            }
            """ + Quote, """
            using System.Threading.Tasks;
            public class Pricing
            {
                public async Task<decimal> SpreadAsync(Task pending)
                {
                    var bid = new Quote { Price = 1 };
                    var ask = new Quote { Price = 2 };
                    var bidPrice = bid.Price;
                    var askPrice = ask.Price;
                    await pending;
                    return askPrice - bidPrice;
                }
            }
            """ + Quote);
    }

    [Fact]
    public async Task No_fix_when_the_whole_struct_is_used_after_the_await()
    {
        await VerifyFix.VerifyNoCodeFixAsync("""
            using System.Threading.Tasks;
            public class Pricing
            {
                public async Task<Quote> EchoAsync(Task pending)
                {
                    var {|TG3002:quote|} = new Quote { Price = 1 };
                    await pending;
                    return quote;
                }
            }
            """ + Quote);
    }

    [Fact]
    public async Task No_fix_when_a_property_is_read_after_the_await()
    {
        await VerifyFix.VerifyNoCodeFixAsync("""
            using System.Threading.Tasks;
            public class Pricing
            {
                public async Task<decimal> TotalAsync(Task pending)
                {
                    var {|TG3002:quote|} = new PricedQuote { Price = 1 };
                    await pending;
                    return quote.Total;
                }
            }

            public struct PricedQuote
            {
                public decimal Price, Fee, Tax, Discount, Shipping;
                public decimal Total => Price + Fee + Tax - Discount + Shipping;
            }
            """);
    }

    [Fact]
    public async Task No_fix_for_parameters()
    {
        await VerifyFix.VerifyNoCodeFixAsync("""
            using System.Threading.Tasks;
            public class Pricing
            {
                public async Task<decimal> TotalAsync(Quote {|TG3002:quote|}, Task pending)
                {
                    await pending;
                    return quote.Price;
                }
            }
            """ + Quote);
    }

    [Fact]
    public async Task Half_typed_code_does_not_crash_the_analyzer()
    {
        await Verify.VerifyAnalyzerAsync("""
            using System.Threading.Tasks;
            public class Pricing
            {
                public async Task<decimal> TotalAsync(Quote {|#0:quote|}, Task pending)
                {
                    var other = {|CS0103:Missing|}(quote);
                    await {|CS0103:nothing|};
                    return quote.Price + other;
                }
            }
            """ + Quote,
            Verify.Diagnostic("TG3002").WithLocation(0).WithArguments("quote", "Quote", 80, "async methods copy every parameter they use"));
    }

    [Fact]
    public async Task Struct_of_a_long_lived_read_loop_is_not_reported_by_default_and_is_with_the_option()
    {
        const string source = """
            using System.Threading;
            using System.Threading.Tasks;
            public class Subscriber
            {
                public async Task RunAsync(Quote {|#0:last|}, CancellationToken ct)
                {
                    while (!ct.IsCancellationRequested)
                    {
                        await Task.Delay(100, ct);
                        System.Console.WriteLine(last.Price);
                    }
                }
            }
            """ + Quote;
        await Verify.VerifyAnalyzerAsync(source.Replace("{|#0:last|}", "last"));
        await Verify.VerifyAnalyzerAsync(source, "TG3002.include_long_lived_loops = true\n", true,
            Verify.Diagnostic("TG3002").WithLocation(0).WithArguments("last", "Quote", 80, "async methods copy every parameter they use"));
    }
}
