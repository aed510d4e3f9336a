using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Text;
using TailGuard.Analyzers;

namespace TailGuard.CodeFixes;

/// <summary>
/// TG2001 fix: a budgeted cooperative yield. Declares a counter before the loop and puts
/// <c>if (++yieldCounter % YieldEvery == 0) await Task.Yield();</c> at the top of the body (the top, so <c>continue</c> cannot skip it).
/// <c>YieldEvery</c> is a <c>private const int</c> of the containing type, shared by every fixed loop of the type; in top-level
/// statements and in partial types declared in several files it is a <c>const int</c> local instead (Fix All in another file could
/// add the same member twice). Names are made unique against everything declared in the member, so Fix All over several loops
/// gives <c>yieldCounter</c>, <c>yieldCounter2</c>, ...
/// Not offered where an await cannot go: inside <c>lock</c>, in unsafe code, or when the loop uses a ref-like (<c>Span</c>) or
/// <c>ref</c> local declared outside its body, which would then live across the await.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LoopWithoutYieldFixer))]
[Shared]
public sealed class LoopWithoutYieldFixer : CodeFixProvider
{
    private const string CounterBaseName = "yieldCounter";
    private const string ConstantBaseName = "YieldEvery";

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.LoopWithoutYield);

    public override FixAllProvider GetFixAllProvider() => FixHelpers.Sequential(FixAsync, FindLoop);

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
            if (FindLoop(root, diagnostic.Location.SourceSpan) is not StatementSyntax loop || !CanFix(loop, model, context.CancellationToken))
            {
                continue;
            }

            var every = YieldEvery(diagnostic);
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Yield to the thread pool every " + every.ToString(CultureInfo.InvariantCulture) + " iterations",
                    ct => FixAsync(context.Document, loop, diagnostic, ct),
                    FixKeys.For(RuleIds.LoopWithoutYield)),
                diagnostic);
        }
    }

    private static SyntaxNode? FindLoop(SyntaxNode root, TextSpan span)
    {
        var token = root.FindToken(span.Start);
        return token.Parent is { } parent && LoopSyntax.IsLoop(parent) && LoopSyntax.Keyword((StatementSyntax)parent) == token ? parent : null;
    }

    private static int YieldEvery(Diagnostic diagnostic)
        => diagnostic.Properties.TryGetValue(LoopWithoutYieldAnalyzer.YieldEveryProperty, out var text)
            && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : LoopWithoutYieldAnalyzer.DefaultYieldEvery;

    private static bool CanFix(StatementSyntax loop, SemanticModel model, CancellationToken cancellationToken)
    {
        var insideFunction = true;
        foreach (var ancestor in loop.Ancestors())
        {
            switch (ancestor)
            {
                case LockStatementSyntax when insideFunction:
                case UnsafeStatementSyntax:
                case MemberDeclarationSyntax member when member.Modifiers.Any(SyntaxKind.UnsafeKeyword):
                case LocalFunctionStatementSyntax localFunction when localFunction.Modifiers.Any(SyntaxKind.UnsafeKeyword):
                    return false;
            }

            if (LoopSyntax.IsFunctionBoundary(ancestor))
            {
                insideFunction = false;
            }
        }

        if (loop is CommonForEachStatementSyntax forEach
            && (model.GetTypeInfo(forEach.Expression, cancellationToken).Type is { IsRefLikeType: true }
                || model.GetForEachStatementInfo(forEach).GetEnumeratorMethod?.ReturnType is { IsRefLikeType: true }))
        {
            return false;
        }

        if (Anchor(loop) is null)
        {
            return false;
        }

        var body = LoopSyntax.Body(loop);
        foreach (var identifier in loop.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            var symbol = model.GetSymbolInfo(identifier, cancellationToken).Symbol;
            var (type, refKind) = symbol switch
            {
                ILocalSymbol local => (local.Type, local.RefKind),
                IParameterSymbol parameter => (parameter.Type, parameter.RefKind),
                _ => (null, RefKind.None),
            };
            if (type is null || (!type.IsRefLikeType && refKind == RefKind.None))
            {
                continue;
            }

            var declaredInBody = symbol!.DeclaringSyntaxReferences.Any(r => body is not null && body.Span.Contains(r.Span));
            if (!declaredInBody)
            {
                return false;
            }
        }

        return true;
    }

    private static async Task<Document> FixAsync(Document document, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is not CompilationUnitSyntax || model is null || node is not StatementSyntax loop || !CanFix(loop, model, cancellationToken))
        {
            return document;
        }

        var endOfLine = FixHelpers.EndOfLine(root);
        var declared = FixHelpers.DeclaredNames(loop);
        var position = loop.SpanStart;
        bool IsFreeLocal(string name) => !declared.Contains(name) && model.LookupSymbols(position, name: name).IsEmpty;

        // The constant: a private const field of the containing type, or a local const where no single type declaration fits.
        var typeDeclaration = loop.FirstAncestorOrSelf<TypeDeclarationSyntax>();
        var typeSymbol = typeDeclaration is null ? null : model.GetDeclaredSymbol(typeDeclaration, cancellationToken);
        var useField = typeDeclaration is not null && typeSymbol is not null && typeSymbol.DeclaringSyntaxReferences.Length == 1;
        string constantName;
        var addField = false;
        var every = YieldEvery(diagnostic);
        if (useField)
        {
            var existing = model.LookupSymbols(position, name: ConstantBaseName).FirstOrDefault();
            if (existing is IFieldSymbol { IsConst: true, Type.SpecialType: SpecialType.System_Int32 } field
                && SymbolEqualityComparer.Default.Equals(field.ContainingType, typeSymbol) && !declared.Contains(ConstantBaseName))
            {
                constantName = ConstantBaseName;
            }
            else
            {
                constantName = FixHelpers.UniqueName(
                    ConstantBaseName,
                    name => IsFreeLocal(name) && typeSymbol!.GetMembers(name).IsEmpty);
                addField = true;
            }
        }
        else
        {
            constantName = FixHelpers.UniqueName(ConstantBaseName, IsFreeLocal);
        }

        var counterName = FixHelpers.UniqueName(CounterBaseName, name => IsFreeLocal(name) && name != constantName);
        var taskType = FixHelpers.TypeReference(model, position, "System.Threading.Tasks", "Task", 0, out var needsUsing);

        var yieldStatement = SyntaxFactory.ParseStatement(
            "if (++" + counterName + " % " + constantName + " == 0) await " + taskType + ".Yield();");
        var anchor = Anchor(loop)!;
        var indentation = Indentation(anchor);
        var before = new System.Collections.Generic.List<StatementSyntax>();
        if (!useField)
        {
            before.Add(SyntaxFactory.ParseStatement("const int " + constantName + " = " + every.ToString(CultureInfo.InvariantCulture) + ";"));
        }

        before.Add(SyntaxFactory.ParseStatement("var " + counterName + " = 0;"));
        for (var i = 0; i < before.Count; i++)
        {
            before[i] = before[i].WithLeadingTrivia(indentation).WithTrailingTrivia(endOfLine);
        }

        var nodes = new System.Collections.Generic.List<SyntaxNode> { loop, anchor };
        if (typeDeclaration is not null)
        {
            nodes.Add(typeDeclaration);
        }

        var newRoot = root.TrackNodes(nodes);
        var currentLoop = newRoot.GetCurrentNode(loop)!;
        newRoot = newRoot.ReplaceNode(currentLoop, AddToTopOfBody(currentLoop, yieldStatement, endOfLine));
        newRoot = InsertBefore(newRoot, newRoot.GetCurrentNode(anchor)!, before);
        if (addField && typeDeclaration is not null && newRoot.GetCurrentNode(typeDeclaration) is { } newType)
        {
            var field = (FieldDeclarationSyntax)SyntaxFactory.ParseMemberDeclaration(
                "private const int " + constantName + " = " + every.ToString(CultureInfo.InvariantCulture) + ";")!;
            field = field.WithTrailingTrivia(endOfLine, endOfLine).WithAdditionalAnnotations(Formatter.Annotation);
            newRoot = newRoot.ReplaceNode(newType, newType.WithMembers(newType.Members.Insert(0, field)));
        }

        if (needsUsing && newRoot is CompilationUnitSyntax newUnit)
        {
            newRoot = FixHelpers.AddUsing(newUnit, "System.Threading.Tasks");
        }

        var newDocument = document.WithSyntaxRoot(newRoot);

        // Only the new const field carries the formatter annotation: the user's loop keeps its layout.
        return await Formatter.FormatAsync(newDocument, Formatter.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The statement before which the counter goes: the loop, or the embedded statement (<c>if (x) while (...)</c>) holding it.</summary>
    private static StatementSyntax? Anchor(StatementSyntax loop)
    {
        StatementSyntax current = loop;
        while (current.Parent is not (BlockSyntax or SwitchSectionSyntax or GlobalStatementSyntax))
        {
            if (current.Parent is not StatementSyntax parent)
            {
                return null;
            }

            current = parent;
        }

        return current;
    }

    private static SyntaxTriviaList Indentation(SyntaxNode node)
    {
        var leading = node.GetLeadingTrivia();
        var lastLineBreak = -1;
        for (var i = 0; i < leading.Count; i++)
        {
            if (leading[i].IsKind(SyntaxKind.EndOfLineTrivia))
            {
                lastLineBreak = i;
            }
        }

        return SyntaxFactory.TriviaList(leading.Skip(lastLineBreak + 1).Where(t => t.IsKind(SyntaxKind.WhitespaceTrivia)));
    }

    private static bool StartsLine(SyntaxToken token)
        => token.GetPreviousToken().TrailingTrivia.Any(SyntaxKind.EndOfLineTrivia) || token.LeadingTrivia.Any(SyntaxKind.EndOfLineTrivia);

    /// <summary>
    /// Puts <paramref name="statement"/> first in the loop body, keeping the body's layout: on its own line in a multi-line block,
    /// inline in a one-line block; an embedded body becomes a block laid out like the loop.
    /// </summary>
    private static StatementSyntax AddToTopOfBody(StatementSyntax loop, StatementSyntax statement, SyntaxTrivia endOfLine)
    {
        var body = LoopSyntax.Body(loop)!;
        if (body is BlockSyntax block)
        {
            var multiLine = block.Statements.Count > 0 ? StartsLine(block.Statements[0].GetFirstToken()) : StartsLine(block.CloseBraceToken);
            if (multiLine)
            {
                var indentation = block.Statements.Count > 0
                    ? Indentation(block.Statements[0])
                    : Indentation(block).Add(SyntaxFactory.Whitespace("    "));
                statement = statement.WithLeadingTrivia(indentation).WithTrailingTrivia(endOfLine);
            }
            else
            {
                statement = statement.WithLeadingTrivia().WithTrailingTrivia(SyntaxFactory.Space);
            }

            return loop.ReplaceNode(body, block.WithStatements(block.Statements.Insert(0, statement)));
        }

        SyntaxNode newBody;
        if (StartsLine(body.GetFirstToken()))
        {
            var outer = Indentation(loop);
            var inner = Indentation(body);
            newBody = SyntaxFactory.Block(
                    SyntaxFactory.Token(outer, SyntaxKind.OpenBraceToken, SyntaxFactory.TriviaList(endOfLine)),
                    SyntaxFactory.List(new[] { statement.WithLeadingTrivia(inner).WithTrailingTrivia(endOfLine), body.WithLeadingTrivia(inner).WithTrailingTrivia(endOfLine) }),
                    SyntaxFactory.Token(outer, SyntaxKind.CloseBraceToken, SyntaxFactory.TriviaList()))
                .WithTrailingTrivia(body.GetTrailingTrivia());
        }
        else
        {
            newBody = SyntaxFactory.Block(
                    SyntaxFactory.Token(SyntaxFactory.TriviaList(), SyntaxKind.OpenBraceToken, SyntaxFactory.TriviaList(SyntaxFactory.Space)),
                    SyntaxFactory.List(new[] { statement.WithTrailingTrivia(SyntaxFactory.Space), body.WithoutTrivia().WithTrailingTrivia(SyntaxFactory.Space) }),
                    SyntaxFactory.Token(SyntaxFactory.TriviaList(), SyntaxKind.CloseBraceToken, SyntaxFactory.TriviaList()))
                .WithTrailingTrivia(body.GetTrailingTrivia());
        }

        return loop.ReplaceNode(body, newBody);
    }

    private static SyntaxNode InsertBefore(SyntaxNode root, StatementSyntax anchor, System.Collections.Generic.List<StatementSyntax> before)
    {
        switch (anchor.Parent)
        {
            case BlockSyntax block:
                {
                    var index = block.Statements.IndexOf(anchor);
                    return root.ReplaceNode(block, block.WithStatements(block.Statements.InsertRange(index, before)));
                }

            case SwitchSectionSyntax section:
                {
                    var index = section.Statements.IndexOf(anchor);
                    return root.ReplaceNode(section, section.WithStatements(section.Statements.InsertRange(index, before)));
                }

            case GlobalStatementSyntax global when global.Parent is CompilationUnitSyntax unit:
                {
                    var index = unit.Members.IndexOf(global);
                    var members = unit.Members.InsertRange(index, before.Select(s => (MemberDeclarationSyntax)SyntaxFactory.GlobalStatement(s)));
                    return root.ReplaceNode(unit, unit.WithMembers(members));
                }

            default:
                return root;
        }
    }
}
