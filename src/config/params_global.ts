/**
 * params_global: the parameters every affix service and command reads —
 * where things live, who the mail system is, the networks and domains it
 * serves, and how it logs. Defaults are Postfix 3.7's, as `postconf -d`
 * prints them; a test compares them with a real capture.
 *
 * Parameters: the keys below
 * See: postfix/src/global/mail_params.h
 */
import { bool, choice, int, list, long, str, time } from './param_types.ts';

export const PARAMS_GLOBAL = {
  compatibility_level: str('0'),
  config_directory: str('/etc/postfix'),
  queue_directory: str('/var/spool/postfix'),
  data_directory: str('/var/lib/postfix'),
  daemon_directory: str('/usr/lib/postfix/sbin'),
  command_directory: str('/usr/sbin'),
  meta_directory: str('/etc/postfix'),
  shlib_directory: str('/usr/lib/postfix'),
  process_id_directory: str('pid'),
  mail_owner: str('postfix'),
  setgid_group: str('postdrop'),
  default_privs: str('nobody'),
  alternate_config_directories: list(''),
  import_environment: str(
    'MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ XAUTHORITY DISPLAY LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME',
  ),
  export_environment: str('TZ MAIL_CONFIG LANG'),

  mail_name: str('affix'),
  mail_version: str('0.1.0'),
  mail_release_date: str('20261129'),
  multi_instance_name: str(''),
  process_id: str(''),
  process_name: str(''),
  service_name: str(''),
  stress: str(''),

  myhostname: str(''),
  mydomain: str(''),
  myorigin: str('$myhostname'),
  mydestination: list('$myhostname, localhost.$mydomain, localhost'),
  mynetworks: list(''),
  mynetworks_style: choice('${{$compatibility_level} <level {2} ? {subnet} : {host}}', ['host', 'subnet', 'class']),
  inet_interfaces: list('all'),
  inet_protocols: list('all'),
  proxy_interfaces: list(''),
  relay_domains: list('${{$compatibility_level} <level {2} ? {$mydestination} : {}}'),
  relayhost: str(''),
  parent_domain_matches_subdomains: list(
    'debug_peer_list,fast_flush_domains,mynetworks,permit_mx_backup_networks,qmqpd_authorized_clients,relay_domains,smtpd_access_maps',
  ),
  recipient_delimiter: str(''),
  message_size_limit: long('10240000', 0),
  line_length_limit: int('2048', 2),
  soft_bounce: bool('no'),

  default_database_type: str('hash'),
  alias_maps: list('hash:/etc/aliases, nis:mail.aliases'),
  alias_database: list('hash:/etc/aliases'),

  syslog_name: str('${multi_instance_name?{$multi_instance_name}:{postfix}}'),
  syslog_facility: str('mail'),
  maillog_file: str(''),
  maillog_file_prefixes: list('/var, /dev/stdout'),
  maillog_file_rotate_suffix: str('%Y%m%d-%H%M%S'),
  maillog_file_compressor: str('gzip'),
  maillog_file_permissions: str('0600'),
  smtputf8_enable: bool('${{$compatibility_level} <level {1} ? {no} : {yes}}'),

  default_process_limit: int('100', 1),
  max_idle: time('100s', 's', 1),
  max_use: int('100', 1),
  master_service_disable: list(''),
} as const;
