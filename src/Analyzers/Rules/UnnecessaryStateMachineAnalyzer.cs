using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace TailGuard.Analyzers;

/// <summary>
/// TG3003: an async method or local function whose only await is its last action (<c>return await x;</c>, a final
/// <c>await x;</c>, or <c>=&gt; await x</c>), outside any try, using or lock, with no conversion of the result: the task
/// can be returned as it is. By default only a pure pass-through (<see cref="PassThrough"/>): with statements before the await,
/// eliding <c>async</c> moves their exceptions out of the returned task, and the ASP.NET Core async guidance keeps <c>async</c>
/// there; <c>TG3003.allow_preceding_statements = true</c> reports those too.
/// </summary>
/// <remarks>
/// Such a method allocates a state machine (and, when the awaited task is not yet complete, boxes it to the heap) only to
/// forward a result it could have handed over directly; every call pays for it, and under load that is gen0 churn.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UnnecessaryStateMachineAnalyzer : DiagnosticAnalyzer
{
    public const string AllowPrecedingStatementsOption = RuleIds.UnnecessaryStateMachine + ".allow_preceding_statements";

    internal static readonly DiagnosticDescriptor Rule = RuleDescriptor.Create(
        RuleIds.UnnecessaryStateMachine,
        title: "Unnecessary async state machine",
        messageFormat: "'{0}' awaits only at its end: return the task directly instead of building a state machine",
        category: RuleCategories.AsyncMemory,
        description: "An async method whose only await is the last thing it does builds a state machine just to pass a task's "
            + "result through. Remove async and await and return the task itself. Exceptions thrown before the task is "
            + "created then surface to the caller synchronously instead of through the task.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var types = WellKnownTypes.Create(start.Compilation);
            if (types.Task is null)
            {
                return;
            }

            start.RegisterSyntaxNodeAction(c => Analyze(c, types), SyntaxKind.MethodDeclaration, SyntaxKind.LocalFunctionStatement);
        });
    }

    private static void Analyze(SyntaxNodeAnalysisContext context, WellKnownTypes types)
    {
        var function = context.Node;
        var modifiers = function switch
        {
            MethodDeclarationSyntax method => method.Modifiers,
            LocalFunctionStatementSyntax local => local.Modifiers,
            _ => default,
        };
        var asyncKeyword = modifiers.FirstOrDefault(m => m.IsKind(SyntaxKind.AsyncKeyword));
        // Syntax before semantics: only a function whose last statement is an await can be elided.
        if (!asyncKeyword.IsKind(SyntaxKind.AsyncKeyword)
            || TailAwait(function) is not { } tail
            || (!PassThrough.IsPure(function, tail)
                && !TailGuardOptions.GetBool(context.Options, function.SyntaxTree, AllowPrecedingStatementsOption, defaultValue: false))
            || context.SemanticModel.GetDeclaredSymbol(function, context.CancellationToken) is not IMethodSymbol symbol
            || TestCode.ShouldSkip(symbol, context.Options, function.SyntaxTree)
            || !IsElidable(function, symbol, context.SemanticModel, types, context.CancellationToken))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(Rule, asyncKeyword.GetLocation(), symbol.Name));
    }

    /// <summary>The single tail await of an elidable async function, or null.</summary>
    public static AwaitExpressionSyntax? TailAwait(SyntaxNode function)
    {
        var (body, expressionBody) = function switch
        {
            MethodDeclarationSyntax method => (method.Body, method.ExpressionBody),
            LocalFunctionStatementSyntax local => (local.Body, local.ExpressionBody),
            _ => (null, null),
        };

        if (expressionBody is not null)
        {
            return expressionBody.Expression as AwaitExpressionSyntax;
        }

        if (body is null)
        {
            return null;
        }

        // Local functions declared after the last statement do not run there.
        return body.Statements.LastOrDefault(s => s is not LocalFunctionStatementSyntax) switch
        {
            ReturnStatementSyntax { Expression: AwaitExpressionSyntax returned } => returned,
            ExpressionStatementSyntax { Expression: AwaitExpressionSyntax awaited } => awaited,
            _ => null,
        };
    }

    /// <summary>The awaited task without a trailing <c>.ConfigureAwait(...)</c>, which does nothing once nothing runs after it.</summary>
    public static ExpressionSyntax AwaitedTask(AwaitExpressionSyntax await, SemanticModel model, System.Threading.CancellationToken cancellationToken)
    {
        if (await.Expression is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait" } access, ArgumentList.Arguments.Count: 1 }
            && model.GetSymbolInfo(access, cancellationToken).Symbol is IMethodSymbol { Name: "ConfigureAwait" } configureAwait
            && configureAwait.ContainingType?.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks")
        {
            return access.Expression;
        }

        return await.Expression;
    }

    private static bool IsElidable(SyntaxNode function, IMethodSymbol method, SemanticModel model, WellKnownTypes types, System.Threading.CancellationToken cancellationToken)
    {
        var tail = TailAwait(function);
        if (tail is null || method.ReturnsVoid || !types.IsTaskLike(method.ReturnType)
            || method.GetAttributes().Any(a => a.AttributeClass?.Name == "AsyncMethodBuilderAttribute"))
        {
            return false;
        }

        // Only one await, no other return, no using declaration in scope of the tail await, no async foreach/using.
        var ownNodes = function.DescendantNodes(n => n == function || n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)).ToList();
        if (ownNodes.OfType<AwaitExpressionSyntax>().Count() != 1
            || ownNodes.OfType<ReturnStatementSyntax>().Any(r => r.Expression != tail)
            || ownNodes.Any(n => n is ForEachStatementSyntax { AwaitKeyword.RawKind: (int)SyntaxKind.AwaitKeyword }
                or UsingStatementSyntax { AwaitKeyword.RawKind: (int)SyntaxKind.AwaitKeyword }
                or LocalDeclarationStatementSyntax { UsingKeyword.RawKind: (int)SyntaxKind.UsingKeyword })
            || ownNodes.Any(n => ChangesExecutionContext(n, model, cancellationToken)))
        {
            return false;
        }

        var task = AwaitedTask(tail, model, cancellationToken);
        var taskType = model.GetTypeInfo(task, cancellationToken).Type;
        if (taskType is null || taskType.TypeKind is TypeKind.Dynamic or TypeKind.Error)
        {
            return false;
        }

        var returnType = method.ReturnType;
        if (SymbolEqualityComparer.Default.Equals(taskType, returnType))
        {
            return !WidensNullability(taskType, returnType);
        }

        // `await x;` (or `=> await x`) in a Task method: any Task<T> is a Task. No conversion exists for ValueTask.
        var isStatementAwait = tail.Parent is ExpressionStatementSyntax or ArrowExpressionClauseSyntax;
        return isStatementAwait
            && SymbolEqualityComparer.Default.Equals(returnType, types.Task)
            && WellKnownTypes.DerivesFrom(taskType, types.Task);
    }

    /// <summary>
    /// Task&lt;string&gt; returned as Task&lt;string?&gt; is a nullability warning (Task is invariant) that the await did not have.
    /// Oblivious annotations (nullable disabled) match anything.
    /// </summary>
    private static bool WidensNullability(ITypeSymbol taskType, ITypeSymbol returnType)
        => taskType is INamedTypeSymbol task && returnType is INamedTypeSymbol returned
            && task.TypeArguments.Length == returned.TypeArguments.Length
            && task.TypeArgumentNullableAnnotations.Zip(returned.TypeArgumentNullableAnnotations, (t, r) => (t, r))
                .Any(pair => pair.t == NullableAnnotation.NotAnnotated && pair.r == NullableAnnotation.Annotated);

    /// <summary>
    /// An async method runs in its own copy of the execution context; without async, AsyncLocal values and culture set in
    /// the method would leak to the caller.
    /// </summary>
    private static bool ChangesExecutionContext(SyntaxNode node, SemanticModel model, System.Threading.CancellationToken cancellationToken)
    {
        if (node is not AssignmentExpressionSyntax assignment)
        {
            return false;
        }

        if (model.GetSymbolInfo(assignment.Left, cancellationToken).Symbol is not IPropertySymbol property)
        {
            return false;
        }

        var type = property.ContainingType?.OriginalDefinition.ToDisplayString();
        return (type, property.Name) switch
        {
            ("System.Threading.AsyncLocal<T>", "Value") => true,
            ("System.Globalization.CultureInfo", "CurrentCulture" or "CurrentUICulture") => true,
            ("System.Diagnostics.Activity", "Current") => true,
            ("System.Threading.Thread", "CurrentPrincipal" or "CurrentCulture" or "CurrentUICulture") => true,
            _ => false,
        };
    }
}
