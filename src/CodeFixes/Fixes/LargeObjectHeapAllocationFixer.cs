using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;
using TailGuard.Analyzers;

namespace TailGuard.CodeFixes;

/// <summary>
/// TG4001 fix: rent the buffer from <c>ArrayPool&lt;T&gt;.Shared</c> and return it in <c>finally</c>. Turns
/// <c>var buffer = new byte[N];</c> followed by the rest of the block into
/// <c>var buffer = ArrayPool&lt;byte&gt;.Shared.Rent(N); try { rest } finally { ArrayPool&lt;byte&gt;.Shared.Return(buffer); }</c>.
/// <para>
/// <c>Rent</c> may return a longer array, so the fix is offered only when the rest of the block uses the buffer in ways that do not
/// depend on its length: element access, <c>buffer.Length</c> (rewritten to <c>N</c>), or an argument to a call that also takes an
/// explicit count or length (<c>stream.Read(buffer, 0, n)</c>, <c>buffer.AsSpan(0, n)</c>, <c>new ArraySegment&lt;byte&gt;(buffer, 0, n)</c>).
/// Not offered when the buffer escapes or is used whole: returned, assigned, captured by a lambda or local function, passed alone
/// (<c>ReadAsync(buffer)</c> converts the whole, longer array), stored by a constructor or a generic method (<c>list.Add(buffer)</c>).
/// Local functions declared after the buffer stay outside the <c>try</c>, so calls to them from earlier code still compile.
/// </para>
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LargeObjectHeapAllocationFixer))]
[Shared]
public sealed class LargeObjectHeapAllocationFixer : CodeFixProvider
{
    private static readonly string[] ViewTypes =
    {
        "System.Span<T>", "System.ReadOnlySpan<T>", "System.Memory<T>", "System.ReadOnlyMemory<T>", "System.ArraySegment<T>",
    };

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.LargeObjectHeapAllocation);

    public override FixAllProvider GetFixAllProvider() => FixHelpers.Sequential(FixAsync, FindCreation);

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (FindCreation(root, diagnostic.Location.SourceSpan) is not ArrayCreationExpressionSyntax creation
                || Analyze(creation, model, context.CancellationToken) is null)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Rent from ArrayPool<T>.Shared and return it in finally",
                    ct => FixAsync(context.Document, creation, diagnostic, ct),
                    FixKeys.For(RuleIds.LargeObjectHeapAllocation)),
                diagnostic);
        }
    }

    private static SyntaxNode? FindCreation(SyntaxNode root, TextSpan span)
        => root.FindToken(span.Start).Parent is ArrayCreationExpressionSyntax creation && creation.NewKeyword.SpanStart == span.Start ? creation : null;

    private sealed class Plan
    {
        public Plan(LocalDeclarationStatementSyntax declaration, BlockSyntax block, ILocalSymbol local, ExpressionSyntax length, List<MemberAccessExpressionSyntax> lengthReads)
        {
            Declaration = declaration;
            Block = block;
            Local = local;
            Length = length;
            LengthReads = lengthReads;
        }

        public LocalDeclarationStatementSyntax Declaration { get; }

        public BlockSyntax Block { get; }

        public ILocalSymbol Local { get; }

        public ExpressionSyntax Length { get; }

        public List<MemberAccessExpressionSyntax> LengthReads { get; }
    }

    /// <summary>The rewrite plan, or null when the fix would change behaviour or not compile.</summary>
    private static Plan? Analyze(ArrayCreationExpressionSyntax creation, SemanticModel model, CancellationToken cancellationToken)
    {
        if (creation.Initializer is not null || creation.Type.RankSpecifiers.Count != 1 || creation.Type.RankSpecifiers[0].Sizes.Count != 1
            || creation.Parent is not EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator }
            || declarator.Parent is not VariableDeclarationSyntax { Variables.Count: 1 }
            || declarator.Parent.Parent is not LocalDeclarationStatementSyntax declaration
            || declaration.Parent is not BlockSyntax block
            || !declaration.UsingKeyword.IsKind(SyntaxKind.None) || declaration.IsConst
            || model.Compilation.GetTypeByMetadataName("System.Buffers.ArrayPool`1") is null
            || model.GetDeclaredSymbol(declarator, cancellationToken) is not ILocalSymbol local)
        {
            return null;
        }

        var index = block.Statements.IndexOf(declaration);
        var rest = block.Statements.Skip(index + 1).ToList();
        if (rest.Any(s => s.DescendantNodesAndSelf().Any(n => n is LabeledStatementSyntax)))
        {
            return null; // a goto from before the declaration cannot jump into the try block
        }

        var lengthReads = new List<MemberAccessExpressionSyntax>();
        foreach (var statement in rest)
        {
            foreach (var identifier in statement.DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (identifier.Identifier.ValueText != local.Name
                    || !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, local))
                {
                    continue;
                }

                if (identifier.Ancestors().TakeWhile(a => a != statement).Any(LoopSyntax.IsFunctionBoundary)
                    || (statement is LocalFunctionStatementSyntax))
                {
                    return null; // captured: the closure may outlive the finally
                }

                if (!IsLengthSafeUse(identifier, model, cancellationToken, lengthReads))
                {
                    return null;
                }
            }
        }

        return new Plan(declaration, block, local, creation.Type.RankSpecifiers[0].Sizes[0], lengthReads);
    }

    private static bool IsLengthSafeUse(IdentifierNameSyntax identifier, SemanticModel model, CancellationToken cancellationToken, List<MemberAccessExpressionSyntax> lengthReads)
    {
        switch (identifier.Parent)
        {
            case ElementAccessExpressionSyntax elementAccess when elementAccess.Expression == identifier:
                return true;
            case MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Length" } memberAccess when memberAccess.Expression == identifier
                && memberAccess.IsKind(SyntaxKind.SimpleMemberAccessExpression):
                lengthReads.Add(memberAccess);
                return true;
            case MemberAccessExpressionSyntax memberAccess when memberAccess.Expression == identifier
                && memberAccess.Parent is InvocationExpressionSyntax extensionCall && extensionCall.Expression == memberAccess:
                // buffer.AsSpan(0, n): the receiver of an extension method is its first argument.
                return model.GetSymbolInfo(extensionCall, cancellationToken).Symbol is IMethodSymbol { IsExtensionMethod: true } extension
                    && TakesExplicitExtent(extension.ReducedFrom ?? extension);
            case ArgumentSyntax argument when argument.RefKindKeyword.IsKind(SyntaxKind.None) && argument.Expression == identifier:
                if (model.GetOperation(argument, cancellationToken) is not IArgumentOperation { Parameter: { } parameter }
                    || parameter.OriginalDefinition.Type is ITypeParameterSymbol || parameter.Type.SpecialType == SpecialType.System_Object
                    || parameter.ContainingSymbol is not IMethodSymbol method)
                {
                    return false;
                }

                if (method.MethodKind == MethodKind.Constructor
                    && !ViewTypes.Contains(method.ContainingType.OriginalDefinition.ToDisplayString()))
                {
                    return false; // new MemoryStream(buffer, 0, n) keeps the array
                }

                return TakesExplicitExtent(method);
            default:
                return false;
        }
    }

    /// <summary>A call that is told how many elements to use: it has an integer parameter named like <c>count</c> or <c>length</c>.</summary>
    private static bool TakesExplicitExtent(IMethodSymbol method)
        => method.Parameters.Any(p => p.Type.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64
            && (p.Name.IndexOf("count", StringComparison.OrdinalIgnoreCase) >= 0 || p.Name.IndexOf("length", StringComparison.OrdinalIgnoreCase) >= 0));

    private static async Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null || node is not ArrayCreationExpressionSyntax creation
            || Analyze(creation, model, cancellationToken) is not { } plan)
        {
            return document;
        }

        var endOfLine = FixHelpers.EndOfLine(root).ToFullString();
        var pool = FixHelpers.TypeReference(model, creation.SpanStart, "System.Buffers", "ArrayPool", 1, out var needsUsing)
            + "<" + creation.Type.ElementType.WithoutTrivia() + ">";
        var lengthText = plan.Length.WithoutTrivia().ToString();

        // Rewrite buffer.Length to the requested length: Rent may hand out a longer array.
        var block = plan.Block.ReplaceNodes(plan.LengthReads, (original, _) =>
        {
            var replacement = SyntaxFactory.ParseExpression(NeedsParentheses(plan.Length, original) ? "(" + lengthText + ")" : lengthText);
            return replacement.WithTriviaFrom(original);
        });

        var index = plan.Block.Statements.IndexOf(plan.Declaration);
        var declaration = block.Statements[index];
        var newCreation = declaration.DescendantNodes().OfType<ArrayCreationExpressionSyntax>().First(c => c.IsEquivalentTo(creation));
        var rent = SyntaxFactory.ParseExpression(pool + ".Shared.Rent(" + lengthText + ")").WithTriviaFrom(newCreation);
        declaration = declaration.ReplaceNode(newCreation, rent);

        var rest = block.Statements.Skip(index + 1).ToList();
        var moved = rest.Where(s => s is not LocalFunctionStatementSyntax).ToList();
        var kept = rest.Where(s => s is LocalFunctionStatementSyntax).ToList();

        var indentation = LeadingIndentation(plan.Declaration);
        var unit = IndentationUnit(plan.Block, indentation);
        var tryText = new StringBuilder()
            .Append(indentation).Append("try").Append(endOfLine)
            .Append(indentation).Append('{').Append(endOfLine)
            .Append(indentation).Append('}').Append(endOfLine)
            .Append(indentation).Append("finally").Append(endOfLine)
            .Append(indentation).Append('{').Append(endOfLine)
            .Append(indentation).Append(unit).Append(pool).Append(".Shared.Return(").Append(plan.Local.Name).Append(");").Append(endOfLine)
            .Append(indentation).Append('}').Append(endOfLine)
            .ToString();
        var tryStatement = (TryStatementSyntax)SyntaxFactory.ParseStatement(tryText);
        tryStatement = tryStatement.WithBlock(tryStatement.Block.WithStatements(SyntaxFactory.List(moved.Select(s => Indent(s, unit)))));

        var statements = block.Statements.Take(index).Append(declaration).Append(tryStatement).Concat(kept);
        var newRoot = root.ReplaceNode(plan.Block, block.WithStatements(SyntaxFactory.List(statements)));
        if (needsUsing && newRoot is CompilationUnitSyntax compilationUnit)
        {
            newRoot = FixHelpers.AddUsing(compilationUnit, "System.Buffers");
        }

        return document.WithSyntaxRoot(newRoot);
    }

    private static bool NeedsParentheses(ExpressionSyntax length, SyntaxNode replaced)
        => length is not (IdentifierNameSyntax or LiteralExpressionSyntax or MemberAccessExpressionSyntax or InvocationExpressionSyntax or ParenthesizedExpressionSyntax)
            && replaced.Parent is not (ArgumentSyntax or EqualsValueClauseSyntax or ReturnStatementSyntax or ParenthesizedExpressionSyntax);

    private static string LeadingIndentation(SyntaxNode node)
    {
        var leading = node.GetLeadingTrivia();
        var text = new StringBuilder();
        foreach (var trivia in leading)
        {
            if (trivia.IsKind(SyntaxKind.EndOfLineTrivia))
            {
                text.Clear();
            }
            else if (trivia.IsKind(SyntaxKind.WhitespaceTrivia))
            {
                text.Append(trivia.ToFullString());
            }
        }

        return text.ToString();
    }

    private static string IndentationUnit(BlockSyntax block, string statementIndentation)
    {
        var braceIndentation = LeadingIndentation(block);
        if (block.OpenBraceToken.LeadingTrivia.Count == 0 && block.OpenBraceToken.GetPreviousToken().TrailingTrivia.Any(SyntaxKind.EndOfLineTrivia) == false)
        {
            braceIndentation = string.Empty;
        }

        return statementIndentation.Length > braceIndentation.Length && statementIndentation.StartsWith(braceIndentation, StringComparison.Ordinal)
            ? statementIndentation.Substring(braceIndentation.Length)
            : "    ";
    }

    /// <summary>Shifts every line of <paramref name="statement"/> right by <paramref name="unit"/>, touching only trivia (never string contents).</summary>
    private static StatementSyntax Indent(StatementSyntax statement, string unit)
    {
        var tokens = statement.DescendantTokens().ToList();
        var replacements = new Dictionary<SyntaxToken, SyntaxToken>();
        var atLineStart = true;
        foreach (var token in tokens)
        {
            var leading = new List<SyntaxTrivia>();
            foreach (var trivia in token.LeadingTrivia)
            {
                if (atLineStart && trivia.IsKind(SyntaxKind.WhitespaceTrivia))
                {
                    leading.Add(SyntaxFactory.Whitespace(unit + trivia.ToFullString()));
                    atLineStart = false;
                    continue;
                }

                if (atLineStart && !trivia.IsKind(SyntaxKind.EndOfLineTrivia))
                {
                    leading.Add(SyntaxFactory.Whitespace(unit));
                }

                leading.Add(trivia);
                atLineStart = trivia.IsKind(SyntaxKind.EndOfLineTrivia);
            }

            if (atLineStart)
            {
                leading.Add(SyntaxFactory.Whitespace(unit));
            }

            replacements[token] = token.WithLeadingTrivia(leading);
            atLineStart = token.TrailingTrivia.Any(SyntaxKind.EndOfLineTrivia);
        }

        return statement.ReplaceTokens(tokens, (original, _) => replacements[original]);
    }
}
