package CkptSchema;
# The part of JSON Schema (2020-12) that t/schema/*.json uses: type (one
# or several), required, properties, additionalProperties: false, items,
# pattern, minimum, and $ref to #/$defs/NAME.  validate() answers the
# list of violations, each with its JSON pointer; empty means valid.
# openapi_validate() does the same for a schema of an OpenAPI document.
use strict;
use warnings FATAL => 'all';
use Exporter 'import';
use JSON::PP ();
use Scalar::Util qw(looks_like_number);

our @EXPORT = qw(schema validate);

sub schema {
    my ($name) = @_;
    open(my $fh, '<', "t/schema/$name.json") or die "t/schema/$name.json: $!";
    local $/;
    return JSON::PP->new->decode(<$fh>);
}

sub _type_of {
    my ($v) = @_;
    return 'null' unless defined $v;
    return 'boolean' if JSON::PP::is_bool($v);
    return 'object' if ref $v eq 'HASH';
    return 'array' if ref $v eq 'ARRAY';
    return 'integer' if !ref $v && $v =~ /^-?[0-9]+\z/ && B::svref_2object(\$v)->FLAGS & (B::SVp_IOK());
    return 'string';
}

sub _check {
    my ($root, $s, $v, $at, $errs) = @_;
    if (my $ref = $s->{'$ref'}) {
        my ($name) = $ref =~ m{^#/\$defs/(.+)$} or die "unsupported \$ref $ref";
        $s = $root->{'$defs'}{$name};
    }
    my $t = _type_of($v);
    if (my $want = $s->{type}) {
        my @w = ref $want ? @$want : ($want);
        return push @$errs, "$at: $t, not " . join('|', @w) unless grep { $_ eq $t } @w;
    }
    return if $t eq 'null';
    if ($t eq 'object') {
        push @$errs, "$at: no $_" for grep { !exists $v->{$_} } @{ $s->{required} || [] };
        for my $k (sort keys %$v) {
            my $ps = $s->{properties}{$k};
            if ($ps) { _check($root, $ps, $v->{$k}, "$at/$k", $errs) }
            elsif (exists $s->{additionalProperties} && !$s->{additionalProperties}) {
                push @$errs, "$at: unexpected $k";
            }
        }
    }
    if ($t eq 'array' && $s->{items}) {
        _check($root, $s->{items}, $v->[$_], "$at/$_", $errs) for 0 .. $#$v;
    }
    push @$errs, "$at: '$v' does not match $s->{pattern}"
        if defined $s->{pattern} && $t eq 'string' && $v !~ /$s->{pattern}/;
    push @$errs, "$at: $v < $s->{minimum}"
        if defined $s->{minimum} && $t eq 'integer' && $v < $s->{minimum};
}

sub validate {
    my ($schema, $value) = @_;
    require B;
    my @errs;
    _check($schema, $schema, $value, '', \@errs);
    return @errs;
}

# An OpenAPI 3.0 schema as the JSON Schema validate() reads: $refs to
# #/components/schemas/ made #/$defs/, nullable made a type null.
sub _from_openapi {
    my ($s) = @_;
    return [ map { _from_openapi($_) } @$s ] if ref $s eq 'ARRAY';
    return $s unless ref $s eq 'HASH';
    my %o = map { $_ => _from_openapi($s->{$_}) } keys %$s;
    $o{'$ref'} =~ s{^#/components/schemas/}{#/\$defs/} if $o{'$ref'};
    $o{type} = [ $o{type}, 'null' ] if delete $o{nullable};
    return \%o;
}

# openapi_validate(DOC, SCHEMA, VALUE): validate() for SCHEMA, a schema
# of the OpenAPI document DOC (one of its operations' bodies).
sub openapi_validate {
    my ($doc, $schema, $value) = @_;
    my $root = _from_openapi($schema);
    $root->{'$defs'} = _from_openapi($doc->{components}{schemas});
    return validate($root, $value);
}

1;
