/**
 * params_rewrite: the parameters of address rewriting and resolving (Postfix's
 * trivial-rewrite, affix's src/rewrite): how incomplete addresses are
 * completed, which domains are final or relayed, and the transports and
 * next hops mail is routed to, for regular mail and for address verification
 * probes. Defaults are Postfix 3.7's, as `postconf -d` prints them.
 *
 * mydestination, relay_domains, relayhost, recipient_delimiter, inet_interfaces,
 * proxy_interfaces, myorigin, mydomain and parent_domain_matches_subdomains are
 * global (params_global.ts).
 *
 * Parameters: the keys below
 * See: postfix/src/trivial-rewrite/trivial-rewrite.c, postfix/src/global/mail_params.h
 */
import { bool, list, str } from './param_types.ts';

export const PARAMS_REWRITE = {
  // Address rewriting (rewrite.c).
  swap_bangpath: bool('yes'),
  allow_percent_hack: bool('yes'),
  append_at_myorigin: bool('yes'),
  append_dot_mydomain: bool('${{$compatibility_level} <level {1} ? {yes} : {no}}'),
  remote_header_rewrite_domain: str(''),

  // Address resolving (resolve.c).
  resolve_dequoted_address: bool('yes'),
  resolve_null_domain: bool('no'),
  resolve_numeric_domain: bool('no'),
  allow_min_user: bool('no'),
  empty_address_recipient: str('MAILER-DAEMON', 1),
  helpful_warnings: bool('yes'),
  show_user_unknown_table_name: bool('yes'),
  virtual_alias_domains: list('$virtual_alias_maps'),
  virtual_mailbox_domains: list('$virtual_mailbox_maps'),
  relocated_maps: list(''),

  // Routing: regular mail.
  local_transport: str('local:$myhostname', 1),
  virtual_transport: str('virtual', 1),
  relay_transport: str('relay', 1),
  default_transport: str('smtp', 1),
  transport_maps: list(''),
  sender_dependent_relayhost_maps: list(''),
  empty_address_relayhost_maps_lookup_key: str('<>', 1),
  sender_dependent_default_transport_maps: list(''),
  empty_address_default_transport_maps_lookup_key: str('<>', 1),

  // Routing: address verification probes.
  address_verify_local_transport: str('$local_transport', 1),
  address_verify_virtual_transport: str('$virtual_transport', 1),
  address_verify_relay_transport: str('$relay_transport', 1),
  address_verify_default_transport: str('$default_transport', 1),
  address_verify_relayhost: str('$relayhost'),
  address_verify_transport_maps: list('$transport_maps'),
  address_verify_sender_dependent_relayhost_maps: list('$sender_dependent_relayhost_maps'),
  address_verify_sender_dependent_default_transport_maps: list('$sender_dependent_default_transport_maps'),
} as const;
